//! Memory given back to the system. glibc's allocator keeps freed pages for reuse, so after a
//! flood of clients has left, or after `POST /reset`, the process would stay at its peak. A trim
//! once connections close (at most one a second) and after a reset returns them.

use std::time::Duration;

use tokio::sync::mpsc;

/// Asks for a trim soon; many asks within a second make one trim.
#[derive(Clone)]
pub(crate) struct Trimmer(mpsc::Sender<()>);

impl Trimmer {
    /// Starts the task that trims when asked; it ends once every `Trimmer` is gone. Must be
    /// called inside a tokio runtime.
    pub(crate) fn spawn() -> Self {
        let (ask, mut asked) = mpsc::channel(1);
        tokio::spawn(async move {
            while asked.recv().await.is_some() {
                tokio::time::sleep(Duration::from_secs(1)).await;
                while asked.try_recv().is_ok() {}
                let _ = tokio::task::spawn_blocking(trim).await;
            }
        });
        Self(ask)
    }

    pub(crate) fn soon(&self) {
        // Full means a trim is already due.
        let _ = self.0.try_send(());
    }
}

/// Returns freed heap pages to the system (glibc only; elsewhere, nothing to do).
pub(crate) fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes no pointer; it only walks the allocator's own free lists,
        // under its locks.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}
