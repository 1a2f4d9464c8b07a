//! Inline SVG charts for the HTML reports: talk time per participant, question mix,
//! the session timeline, method steps against their budgets, and the line plot of
//! `observant progress`. Plain strings, every text escaped, no scripts, no external
//! references; each chart carries its own legend and a `<title>` for screen readers.

use std::fmt::Write as _;

use super::Report;
use crate::labels::{kind_label, role_label};
use observant_analysis::{FlagKind, SpeakerStats};
use observant_model::i18n::UiLang;
use observant_model::time::{clock_padded as fmt_clock, duration as fmt_duration};
use observant_model::transcript::Role;

/// Escapes text for HTML and SVG (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    esc_into(&mut o, s);
    o
}

/// [`esc`] appended to `o`: copies the runs between special characters in one piece.
pub fn esc_into(o: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        let (rep, width) = match b[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&#39;", 1),
            b'\n' | b'\t' => {
                i += 1;
                continue;
            }
            0..=0x1f | 0x7f => (" ", 1),
            // U+0080..U+009F, the C1 controls, are 0xC2 0x80..0x9F in UTF-8.
            0xC2 if matches!(b.get(i + 1), Some(0x80..=0x9F)) => (" ", 2),
            _ => {
                i += 1;
                continue;
            }
        };
        o.push_str(&s[last..i]);
        o.push_str(rep);
        i += width;
        last = i;
    }
    o.push_str(&s[last..]);
}

/// Colour of a role.
pub fn role_color(role: Option<Role>) -> &'static str {
    match role {
        Some(Role::Facilitator) => "#3f6fb5",
        Some(Role::Inbrenger) => "#d08a2e",
        Some(Role::Deelnemer) => "#2e8b7a",
        Some(Role::Observant) => "#8b8fa3",
        None => "#6b7a90",
    }
}

/// Colour of a flag kind on the timeline (from the one table in [`crate::colors`]).
pub fn kind_color(kind: FlagKind) -> &'static str {
    crate::colors::flag_colors(kind).chart
}

const OPEN: &str = "#3f8f6b";
const WHY: &str = "#c0504d";
const CLOSED: &str = "#d9b44a";
const INFORMATIVE: &str = "#5b7fa6";
const EXPERIENCE: &str = "#b0679a";
const CATEGORIES: [&str; 4] = ["#7aa6c9", "#4f7fa8", "#c27fae", "#6a9f58"];
const GRID: &str = "#e3e7ec";
const BUDGET_LIGHT: &str = "#e3efe7";
const BUDGET: &str = "#b9d8c4";
const BUDGET_EDGE: &str = "#7fb293";
const INK: &str = "#1f2933";
const MUTED: &str = "#5f6b7a";

/// Whether a (pseudonymised) name already says the role ("deelnemer A" is a deelnemer),
/// so showing the role beside it would only repeat it.
pub fn names_role(name: &str, role: Option<Role>) -> bool {
    role.is_some_and(|r| {
        name.split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(r.as_str()))
    })
}

/// Shortens a label to `n` characters with an ellipsis.
pub fn clip(s: &str, n: usize) -> String {
    let mut o = String::with_capacity(s.len().min(4 * n));
    push_clip(&mut o, s, n);
    o
}

/// [`clip`] appended to `o`.
pub fn push_clip(o: &mut String, s: &str, n: usize) {
    match s.char_indices().nth(n) {
        // More than `n` characters: the first n - 1 and an ellipsis.
        Some(_) => {
            let cut = s
                .char_indices()
                .nth(n.saturating_sub(1))
                .map_or(s.len(), |(i, _)| i);
            o.push_str(&s[..cut]);
            o.push('\u{2026}');
        }
        None => o.push_str(s),
    }
}

fn open_svg(o: &mut String, w: f64, h: f64, title: &str) {
    let _ = write!(
        o,
        r#"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" font-size="13" fill="{INK}"><title>{}</title>"#,
        esc(title)
    );
}

fn text(o: &mut String, x: f64, y: f64, anchor: &str, size: f64, fill: &str, s: &str) {
    o.push_str(r#"<text x=""#);
    push_f1(o, x);
    o.push_str(r#"" y=""#);
    push_f1(o, y);
    let _ = write!(
        o,
        r#"" text-anchor="{anchor}" font-size="{size}" fill="{fill}">"#
    );
    esc_into(o, s);
    o.push_str("</text>");
}

fn rect(o: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str) {
    if w <= 0.0 || h <= 0.0 {
        return;
    }
    for (k, v) in [
        (r#"<rect x=""#, x),
        (r#"" y=""#, y),
        (r#"" width=""#, w),
        (r#"" height=""#, h),
    ] {
        o.push_str(k);
        push_f1(o, v);
    }
    o.push_str(r#"" fill=""#);
    o.push_str(fill);
    o.push_str(r#""/>"#);
}

/// `x` with one decimal, exactly as `format!("{x:.1}")` writes it, without the general float
/// formatter (charts write thousands of coordinates): integer arithmetic unless `x` is within
/// a hair of a rounding tie or out of range, where the formatter decides.
pub fn push_f1(o: &mut String, x: f64) {
    let y = x.abs() * 10.0;
    let r = y.round();
    if !y.is_finite() || y >= 1e15 || ((y - y.floor()) - 0.5).abs() < 1e-6 {
        let _ = write!(o, "{x:.1}");
        return;
    }
    if x.is_sign_negative() {
        o.push('-');
    }
    let r = r as u64;
    let _ = write!(o, "{}", r / 10);
    o.push('.');
    o.push(char::from(b'0' + (r % 10) as u8));
}

fn legend(o: &mut String, x: f64, y: f64, items: &[(&str, &str)]) -> f64 {
    // Lays the items out left to right; returns the x after the last one.
    let mut cx = x;
    for (color, label) in items {
        rect(o, cx, y - 9.0, 10.0, 10.0, color);
        text(o, cx + 14.0, y, "start", 12.0, MUTED, label);
        cx += 14.0 + 7.0 * label.chars().count() as f64 + 16.0;
    }
    cx
}

/// Talk time per participant: horizontal bars of the share of all speech, coloured by
/// role, with the equal share as a dashed reference line.
pub fn talk_chart(r: &Report, ui: UiLang) -> String {
    let rows: Vec<&SpeakerStats> = r.speakers.iter().collect();
    let (w, left, plot) = (900.0, 210.0, 540.0);
    let row_h = 34.0;
    let top = 30.0;
    let h = top + row_h * rows.len() as f64 + 40.0;
    let mut o = String::new();
    open_svg(
        &mut o,
        w,
        h,
        ui.t(
            "Spreektijd per deelnemer (aandeel van alle spraak)",
            "Talk time per participant (share of all speech)",
        ),
    );
    for k in 0..=4 {
        let x = left + plot * f64::from(k) / 4.0;
        let _ = write!(
            o,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{GRID}"/>"#,
            top - 6.0,
            top + row_h * rows.len() as f64
        );
        text(
            &mut o,
            x,
            top - 12.0,
            "middle",
            11.0,
            MUTED,
            &format!("{}%", k * 25),
        );
    }
    let speaking = r.speakers.iter().filter(|s| s.talk_seconds > 0.0).count();
    if speaking > 1 {
        let x = left + plot / speaking as f64;
        let bottom = top + row_h * rows.len() as f64;
        let _ = write!(
            o,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="{MUTED}" stroke-dasharray="4 3"/>"#,
            top - 4.0
        );
        let label = match ui {
            UiLang::Nl => format!("gelijk aandeel ({})", super::pct(1.0 / speaking as f64)),
            UiLang::En => format!("equal share ({})", super::pct(1.0 / speaking as f64)),
        };
        text(&mut o, x, bottom + 16.0, "middle", 11.0, MUTED, &label);
    }
    for (i, s) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let role = role_label(s.role, ui);
        if names_role(&s.name, s.role) {
            text(
                &mut o,
                left - 12.0,
                y + 20.0,
                "end",
                13.0,
                INK,
                &clip(&s.name, 24),
            );
        } else {
            text(
                &mut o,
                left - 12.0,
                y + 15.0,
                "end",
                13.0,
                INK,
                &clip(&s.name, 24),
            );
            text(&mut o, left - 12.0, y + 29.0, "end", 11.0, MUTED, role);
        }
        let bw = plot * s.share.clamp(0.0, 1.0);
        rect(&mut o, left, y + 6.0, bw.max(1.0), 20.0, role_color(s.role));
        text(
            &mut o,
            left + bw + 8.0,
            y + 21.0,
            "start",
            12.5,
            INK,
            &format!(
                "{} \u{b7} {}",
                super::pct(s.share),
                fmt_clock(s.talk_seconds)
            ),
        );
    }
    let mut roles: Vec<Option<Role>> = Vec::new();
    for s in &r.speakers {
        if !roles.contains(&s.role) {
            roles.push(s.role);
        }
    }
    let items: Vec<(&str, &str)> = roles
        .iter()
        .map(|&ro| (role_color(ro), role_label(ro, ui)))
        .collect();
    legend(&mut o, left, h - 8.0, &items);
    o.push_str("</svg>");
    o
}

/// One stacked bar: segments (value, colour) scaled so that `max` fills `width`.
fn stacked(o: &mut String, x: f64, y: f64, width: f64, max: f64, segs: &[(u32, &str)]) {
    let total: u32 = segs.iter().map(|s| s.0).sum();
    if total == 0 || max <= 0.0 {
        text(o, x + 2.0, y + 14.0, "start", 12.0, MUTED, "\u{2013}");
        return;
    }
    let mut cx = x;
    for &(v, color) in segs {
        if v == 0 {
            continue;
        }
        let sw = width * f64::from(v) / max;
        rect(o, cx, y, sw, 18.0, color);
        if sw >= 16.0 {
            text(
                o,
                cx + sw / 2.0,
                y + 13.5,
                "middle",
                11.5,
                "#ffffff",
                &v.to_string(),
            );
        }
        cx += sw;
    }
    text(
        o,
        cx + 5.0,
        y + 13.5,
        "start",
        11.5,
        MUTED,
        &total.to_string(),
    );
}

/// Question mix per participant who asked questions: question type (open, why, closed),
/// informative against experience questions, and the hand-out's four categories.
pub fn question_chart(r: &Report, ui: UiLang) -> String {
    let rows: Vec<&SpeakerStats> = r
        .speakers
        .iter()
        .filter(|s| s.open_questions + s.closed_questions + s.questions > 0)
        .collect();
    let (w, left) = (900.0, 170.0);
    let panel_w = 200.0;
    let gap = 40.0;
    let row_h = 30.0;
    let top = 34.0;
    let legend_h = 4.0 * 16.0 + 10.0;
    let h = top + row_h * rows.len().max(1) as f64 + legend_h;
    let mut o = String::new();
    open_svg(
        &mut o,
        w,
        h,
        ui.t("Vraagmix per deelnemer", "Question mix per participant"),
    );
    let heads = [
        ui.t("Soort vraag", "Question type"),
        ui.t("Informerend of beleving", "Informative or experience"),
        ui.t("Categorie (hand-out)", "Category (hand-out)"),
    ];
    let type_segs = |s: &SpeakerStats| -> [u32; 3] {
        let why = s.why_questions.min(s.open_questions);
        [s.open_questions - why, why, s.closed_questions]
    };
    let max_type = rows
        .iter()
        .map(|s| type_segs(s).iter().sum::<u32>())
        .max()
        .unwrap_or(0);
    let max_focus = rows
        .iter()
        .map(|s| s.informative_questions + s.experience_questions)
        .max()
        .unwrap_or(0);
    let max_cat = rows
        .iter()
        .map(|s| s.categories.iter().sum::<u32>())
        .max()
        .unwrap_or(0);
    for (p, head) in heads.iter().enumerate() {
        let x = left + (panel_w + gap) * p as f64;
        text(&mut o, x, top - 14.0, "start", 12.5, INK, head);
    }
    if rows.is_empty() {
        text(
            &mut o,
            left,
            top + 16.0,
            "start",
            12.0,
            MUTED,
            ui.t("Geen vragen gesteld.", "No questions asked."),
        );
    }
    for (i, s) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        text(
            &mut o,
            left - 12.0,
            y + 14.0,
            "end",
            13.0,
            INK,
            &clip(&s.name, 20),
        );
        let t = type_segs(s);
        let x0 = left;
        stacked(
            &mut o,
            x0,
            y,
            panel_w - 24.0,
            f64::from(max_type),
            &[(t[0], OPEN), (t[1], WHY), (t[2], CLOSED)],
        );
        let x1 = left + panel_w + gap;
        stacked(
            &mut o,
            x1,
            y,
            panel_w - 24.0,
            f64::from(max_focus),
            &[
                (s.informative_questions, INFORMATIVE),
                (s.experience_questions, EXPERIENCE),
            ],
        );
        let x2 = left + 2.0 * (panel_w + gap);
        let c = s.categories;
        stacked(
            &mut o,
            x2,
            y,
            panel_w - 24.0,
            f64::from(max_cat),
            &[
                (c[0], CATEGORIES[0]),
                (c[1], CATEGORIES[1]),
                (c[2], CATEGORIES[2]),
                (c[3], CATEGORIES[3]),
            ],
        );
    }
    let ly = top + row_h * rows.len().max(1) as f64 + 14.0;
    let legends: [Vec<(&str, &str)>; 3] = [
        vec![
            (OPEN, ui.t("open", "open")),
            (WHY, ui.t("waarom", "why")),
            (CLOSED, ui.t("gesloten", "closed")),
        ],
        vec![
            (INFORMATIVE, ui.t("informerend", "informative")),
            (EXPERIENCE, ui.t("beleving", "experience")),
        ],
        vec![
            (CATEGORIES[0], ui.t("1 situatie", "1 situation")),
            (CATEGORIES[1], ui.t("2 handelen", "2 actions")),
            (CATEGORIES[2], ui.t("3 beleving", "3 experience")),
            (CATEGORIES[3], ui.t("4 leren", "4 learning")),
        ],
    ];
    for (p, items) in legends.iter().enumerate() {
        let x = left + (panel_w + gap) * p as f64;
        for (k, (color, label)) in items.iter().enumerate() {
            let y = ly + 16.0 * k as f64;
            rect(&mut o, x, y - 9.0, 10.0, 10.0, color);
            text(&mut o, x + 15.0, y, "start", 11.5, MUTED, label);
        }
    }
    o.push_str("</svg>");
    o
}

/// A "nice" tick step (seconds) for a time axis of `total` seconds.
fn tick_step(total: f64) -> f64 {
    for m in [0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0] {
        if total / (m * 60.0) <= 12.0 {
            return m * 60.0;
        }
    }
    // Longer than 12 hours (a damaged transcript or journal can claim any time): keep the
    // axis to about a dozen ticks whatever the length.
    let mut step = 120.0 * 60.0;
    while total / step > 12.0 && step < f64::MAX / 2.0 {
        step *= 2.0;
    }
    step
}

/// Most ticks drawn on a time axis (a bound even for absurd lengths).
const MAX_TICKS: usize = 24;

/// The session timeline: one lane per speaker who spoke, the flags above them, method
/// steps as dashed lines.
pub fn timeline_chart(r: &Report, ui: UiLang) -> String {
    let lanes: Vec<usize> = (0..r.speakers.len())
        .filter(|&k| r.speakers[k].talk_seconds > 0.0)
        .collect();
    let top = 26.0;
    let lane_h = 20.0;
    let lanes_top = top + 26.0;
    let fr = Frame {
        left: 150.0,
        plot: 730.0,
        total: r.duration_seconds.max(1.0),
        lane_h,
        flags_y: top,
        lanes_top,
        axis_y: lanes_top + lane_h * lanes.len() as f64 + 4.0,
    };
    let (w, h) = (900.0, fr.axis_y + 50.0);
    let mut o = String::new();
    open_svg(
        &mut o,
        w,
        h,
        ui.t(
            "Verloop van de sessie: wie spreekt wanneer, en de signalen",
            "Course of the session: who speaks when, and the flags",
        ),
    );
    timeline_lanes(&mut o, &fr, r, &lanes, ui);
    timeline_ticks(&mut o, &fr);
    timeline_speech(&mut o, &fr, r, &lanes);
    timeline_steps(&mut o, &fr, r, ui);
    let kinds = timeline_flags(&mut o, &fr, r, ui);
    timeline_legend(&mut o, fr.left, h - 8.0, &kinds, ui);
    o.push_str("</svg>");
    o
}

/// The geometry of the timeline chart.
struct Frame {
    left: f64,
    plot: f64,
    total: f64,
    lane_h: f64,
    flags_y: f64,
    lanes_top: f64,
    axis_y: f64,
}

impl Frame {
    fn x_of(&self, t: f64) -> f64 {
        self.left + self.plot * (t.clamp(0.0, self.total) / self.total)
    }
}

/// Lane backgrounds and labels: the flags lane, then one lane per speaker who spoke.
fn timeline_lanes(o: &mut String, fr: &Frame, r: &Report, lanes: &[usize], ui: UiLang) {
    let (left, plot) = (fr.left, fr.plot);
    text(
        o,
        left - 10.0,
        fr.flags_y + 13.0,
        "end",
        12.0,
        MUTED,
        ui.t("signalen", "flags"),
    );
    rect(o, left, fr.flags_y, plot, 18.0, "#f6f7f9");
    for (row, &k) in lanes.iter().enumerate() {
        let y = fr.lanes_top + fr.lane_h * row as f64;
        rect(o, left, y + 2.0, plot, fr.lane_h - 4.0, "#f6f7f9");
        text(
            o,
            left - 10.0,
            y + 14.0,
            "end",
            12.0,
            INK,
            &clip(&r.speakers[k].name, 20),
        );
    }
}

/// Time ticks with grid lines.
fn timeline_ticks(o: &mut String, fr: &Frame) {
    let step = tick_step(fr.total);
    for t in (0..=MAX_TICKS)
        .map(|i| i as f64 * step)
        .take_while(|&t| t <= fr.total + 0.5)
    {
        let x = fr.x_of(t);
        let axis_y = fr.axis_y;
        let _ = write!(
            o,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{axis_y:.1}" stroke="{GRID}"/>"#,
            fr.flags_y
        );
        text(o, x, axis_y + 14.0, "middle", 11.0, MUTED, &fmt_clock(t));
    }
}

/// Who speaks when, in the speaker's role colour.
fn timeline_speech(o: &mut String, fr: &Frame, r: &Report, lanes: &[usize]) {
    let row_of: std::collections::HashMap<usize, usize> =
        lanes.iter().enumerate().map(|(row, &k)| (k, row)).collect();
    for s in &r.timeline {
        let Some(&row) = row_of.get(&s.speaker) else {
            continue;
        };
        let y = fr.lanes_top + fr.lane_h * row as f64 + 3.0;
        let x = fr.x_of(s.start);
        let wdt = (fr.x_of(s.end) - x).max(0.8);
        rect(
            o,
            x,
            y,
            wdt,
            fr.lane_h - 6.0,
            role_color(r.speakers[s.speaker].role),
        );
    }
}

/// Dashed lines where the method's steps begin, with their numbers.
fn timeline_steps(o: &mut String, fr: &Frame, r: &Report, ui: UiLang) {
    for (k, st) in r.steps.iter().enumerate() {
        let x = fr.x_of(st.start);
        let room = r
            .steps
            .get(k + 1)
            .map_or(fr.left + fr.plot, |n| fr.x_of(n.start))
            - x;
        let axis_y = fr.axis_y;
        let _ = write!(
            o,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{axis_y:.1}" stroke="{MUTED}" stroke-dasharray="3 3"/>"#,
            fr.flags_y - 6.0
        );
        text(
            o,
            x + 3.0,
            fr.flags_y - 8.0,
            "start",
            10.5,
            MUTED,
            &if room >= 44.0 {
                format!("{} {}", ui.t("stap", "step"), st.step)
            } else {
                st.step.to_string()
            },
        );
    }
}

/// The flags in their kind's colour; returns the kinds that occur, in order of appearance.
fn timeline_flags(o: &mut String, fr: &Frame, r: &Report, ui: UiLang) -> Vec<FlagKind> {
    let mut kinds: Vec<FlagKind> = Vec::new();
    for f in &r.flags {
        let x = fr.x_of(f.flag.start);
        let wdt = (fr.x_of(f.flag.end) - x).max(3.0);
        let _ = write!(
            o,
            r#"<rect x="{x:.1}" y="{:.1}" width="{wdt:.1}" height="14" fill="{}" fill-opacity="0.85"><title>{}</title></rect>"#,
            fr.flags_y + 2.0,
            kind_color(f.flag.kind),
            esc(&format!(
                "{} {}",
                fmt_clock(f.flag.start),
                kind_label(f.flag.kind, ui)
            ))
        );
        if !kinds.contains(&f.flag.kind) {
            kinds.push(f.flag.kind);
        }
    }
    kinds
}

/// Legend: the flag colour groups that occur.
fn timeline_legend(o: &mut String, x: f64, y: f64, kinds: &[FlagKind], ui: UiLang) {
    let groups: [(&str, &str, &[FlagKind]); 4] = [
        (
            kind_color(FlagKind::WhyQuestion),
            ui.t("waarom / advies / IWAB", "why / advice / know-it-all"),
            &[FlagKind::WhyQuestion, FlagKind::Advice, FlagKind::Iwab],
        ),
        (
            kind_color(FlagKind::RapidFire),
            ui.t("spervuur / gestapeld", "rapid fire / stacked"),
            &[FlagKind::RapidFire, FlagKind::StackedQuestions],
        ),
        (
            kind_color(FlagKind::Dominance),
            ui.t(
                "dominantie / discussie / monoloog",
                "dominance / discussion / monologue",
            ),
            &[
                FlagKind::Dominance,
                FlagKind::Discussion,
                FlagKind::LongMonologue,
            ],
        ),
        (
            kind_color(FlagKind::ClosedQuestion),
            ui.t("overig", "other"),
            &[],
        ),
    ];
    let items: Vec<(&str, &str)> = groups
        .iter()
        .filter(|(c, _, ks)| {
            kinds
                .iter()
                .any(|k| ks.contains(k) || (ks.is_empty() && kind_color(*k) == *c))
        })
        .map(|(c, l, _)| (*c, *l))
        .collect();
    legend(o, x, y, &items);
}

/// Method steps: actual duration against the hand-out's budget (band from min to max).
pub fn steps_chart(r: &Report, ui: UiLang) -> String {
    let (w, left, plot) = (900.0, 280.0, 500.0);
    let row_h = 30.0;
    let top = 14.0;
    let h = top + row_h * r.steps.len() as f64 + 34.0;
    let max = r
        .steps
        .iter()
        .map(|s| (s.end - s.start).max(s.budget_max_seconds))
        .fold(60.0, f64::max);
    let mut o = String::new();
    open_svg(
        &mut o,
        w,
        h,
        ui.t(
            "Stappen van de werkvorm tegen hun tijdsbudget",
            "Method steps against their time budget",
        ),
    );
    for (i, s) in r.steps.iter().enumerate() {
        let y = top + row_h * i as f64;
        text(
            &mut o,
            left - 12.0,
            y + 15.0,
            "end",
            12.5,
            INK,
            &clip(&format!("{}. {}", s.step, s.name), 36),
        );
        rect(&mut o, left, y + 3.0, plot, 20.0, "#f6f7f9");
        if s.budget_max_seconds > 0.0 {
            // Within budget: light up to the maximum, darker from the minimum.
            let x0 = left + plot * s.budget_min_seconds / max;
            let x1 = left + plot * s.budget_max_seconds / max;
            rect(&mut o, left, y + 3.0, x1 - left, 20.0, BUDGET_LIGHT);
            if x1 - x0 >= 2.0 {
                rect(&mut o, x0, y + 3.0, x1 - x0, 20.0, BUDGET);
            } else {
                rect(&mut o, x1 - 2.0, y + 1.0, 3.0, 24.0, BUDGET_EDGE);
            }
        }
        let len = (s.end - s.start).max(0.0);
        let over = s.budget_max_seconds > 0.0 && len > s.budget_max_seconds;
        let color = if over { "#c0504d" } else { "#3f6fb5" };
        let bw = plot * len / max;
        rect(&mut o, left, y + 8.0, bw.max(1.0), 10.0, color);
        let mut label = fmt_duration(len);
        if over {
            label.push_str(ui.t(" \u{2013} over tijd", " \u{2013} over time"));
        }
        text(
            &mut o,
            left + plot + 10.0,
            y + 17.0,
            "start",
            12.0,
            if over { "#a33c39" } else { INK },
            &label,
        );
    }
    legend(
        &mut o,
        left,
        h - 8.0,
        &[
            ("#3f6fb5", ui.t("werkelijke duur", "actual duration")),
            (BUDGET_LIGHT, ui.t("binnen budget", "within budget")),
            (BUDGET, ui.t("gepland (hand-out)", "planned (hand-out)")),
            ("#c0504d", ui.t("over tijd", "over time")),
        ],
    );
    o.push_str("</svg>");
    o
}

/// A line series for [`line_plot`]: name, colour, one value per session (None: no value).
pub struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub values: Vec<Option<f64>>,
}

/// A line plot over sessions (x: session labels), y from 0 to a rounded maximum; values
/// formatted with `fmt`.
pub fn line_plot(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    fmt: &dyn Fn(f64) -> String,
    fixed_max: Option<f64>,
) -> String {
    let (w, left, plot_w) = (900.0, 60.0, 800.0);
    let (top, plot_h) = (20.0, 200.0);
    let h = top + plot_h + 70.0;
    let data_max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |m, &v| m.max(v));
    let max = fixed_max.unwrap_or_else(|| nice_max(data_max));
    let n = labels.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            left + plot_w / 2.0
        } else {
            left + 20.0 + (plot_w - 40.0) * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |v: f64| top + plot_h - plot_h * (v / max).clamp(0.0, 1.0);
    let mut o = String::new();
    open_svg(&mut o, w, h, title);
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let y = y_of(v);
        let _ = write!(
            o,
            r#"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{GRID}"/>"#,
            left + plot_w
        );
        text(&mut o, left - 8.0, y + 4.0, "end", 11.0, MUTED, &fmt(v));
    }
    for (i, l) in labels.iter().enumerate() {
        text(
            &mut o,
            x_of(i),
            top + plot_h + 18.0,
            "middle",
            11.0,
            MUTED,
            &clip(l, (90 / n).clamp(8, 28)),
        );
    }
    for s in series {
        let pts: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (x_of(i), y_of(v))))
            .collect();
        if pts.len() > 1 {
            let d: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                o,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>"#,
                d.join(" "),
                s.color
            );
        }
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    o,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{}"><title>{}</title></circle>"#,
                    x_of(i),
                    y_of(*v),
                    s.color,
                    esc(&format!(
                        "{}: {} ({})",
                        s.name,
                        fmt(*v),
                        labels.get(i).map(String::as_str).unwrap_or("")
                    ))
                );
            }
        }
    }
    let items: Vec<(&str, &str)> = series.iter().map(|s| (s.color, s.name)).collect();
    legend(&mut o, left, h - 10.0, &items);
    o.push_str("</svg>");
    o
}

/// 1, 2, 5, 10, 20, 50 ... at or above `x` (at least 1).
fn nice_max(x: f64) -> f64 {
    let mut m = 1.0;
    loop {
        for f in [1.0, 2.0, 5.0] {
            if f * m >= x {
                return f * m;
            }
        }
        m *= 10.0;
        if m > 1e12 {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_ends_long_text_in_an_ellipsis() {
        assert_eq!(clip("", 3), "");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab\u{2026}");
        assert_eq!(clip("één twee", 4), "één\u{2026}");
        assert_eq!(clip("ab", 0), "\u{2026}");
        let mut o = String::from("\u{201c}");
        push_clip(&mut o, "Waarom deed je dat?", 7);
        assert_eq!(o, "\u{201c}Waarom\u{2026}");
    }

    #[test]
    fn push_f1_writes_what_the_formatter_writes() {
        let mut xs = vec![
            0.0, -0.0, 0.04, -0.04, 0.05, 0.15, 0.25, 0.35, 2.45, 999.95, 1e20, -3.75,
        ];
        let mut v = 0.123_456_f64;
        for _ in 0..20_000 {
            v = (v * 9301.0 + 49297.0) % 233_280.0;
            xs.push(v / 97.0 - 600.0);
            xs.push((v / 10.0).round() / 100.0);
        }
        for x in xs {
            let mut o = String::new();
            push_f1(&mut o, x);
            assert_eq!(o, format!("{x:.1}"), "{x:?}");
        }
    }

    #[test]
    fn esc_escapes_markup_and_blanks_controls() {
        assert_eq!(esc("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(esc("x\u{7}y\u{85}z\n\té"), "x y z\n\té");
        assert_eq!(esc("plain — tekst"), "plain — tekst");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<b a=\"x\">'&'</b>"),
            "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;"
        );
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(tick_step(437.0), 60.0);
        assert_eq!(tick_step(3.0 * 3600.0), 15.0 * 60.0);
        // A damaged file claiming 1e300 s or more: a dozen ticks, not 1e296.
        for total in [24.0 * 3600.0, 1e300, f64::MAX] {
            let step = tick_step(total);
            assert!(
                step.is_finite() && total / step <= 12.0 + 1e-9,
                "{total}: {step}"
            );
        }
    }
}
