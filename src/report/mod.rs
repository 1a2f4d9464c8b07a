//! Process-evaluation reports (HTML with inline SVG, Markdown) and pseudonymisation.
