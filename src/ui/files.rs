//! A file dialog as the views use it: started with one click, answered on a background thread
//! (the dialog blocks until the user chose), polled every frame. Where there is no dialog the
//! answer is a one-line reason and the view keeps its typed path.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, TryRecvError};

use crate::app::core::in_background;
use crate::app::dialog::{FilePicker, Request};

/// What came back from a dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum Chosen {
    File(PathBuf),
    Cancelled,
    /// No dialog here (or it failed): one line, for the view to show beside its typed path.
    Unavailable(String),
}

/// One dialog at a time.
#[derive(Default)]
pub struct FileChoice {
    job: Option<Receiver<Result<Option<PathBuf>, String>>>,
}

impl FileChoice {
    /// Opens the dialog (unless one is open already).
    pub fn ask(&mut self, picker: &FilePicker, req: Request) {
        if self.job.is_some() {
            return;
        }
        let picker = picker.clone();
        self.job = Some(in_background("observant-file-dialog", move || picker(&req)));
    }

    /// Whether a dialog is open.
    pub fn open(&self) -> bool {
        self.job.is_some()
    }

    /// The answer, once (then the next dialog can open).
    pub fn poll(&mut self) -> Option<Chosen> {
        let rx = self.job.as_ref()?;
        let answer = match rx.try_recv() {
            Ok(Ok(Some(p))) => Chosen::File(p),
            Ok(Ok(None)) => Chosen::Cancelled,
            Ok(Err(e)) => Chosen::Unavailable(e),
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => Chosen::Unavailable("afgebroken / stopped".into()),
        };
        self.job = None;
        Some(answer)
    }
}
