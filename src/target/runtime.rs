//! The main type here is [`BackgroundRuntime`]: a tokio runtime owned by one value whose
//! futures run on its own worker threads, so that a synchronous caller on any thread (inside
//! another runtime or not) can hand it a future and wait for the result.
//!
//! Not for: anything a user sees. The HTTP target, the tower target and the server use it to
//! keep their async machinery behind a synchronous API.

use std::future::Future;
use std::io;
use std::sync::mpsc;

use tokio::runtime::{Handle, Runtime};

/// A multi-thread tokio runtime that is shut down without blocking when dropped.
pub(crate) struct BackgroundRuntime {
    handle: Handle,
    // `Option` only so that `Drop` can move it out and shut it down in the background:
    // dropping a runtime normally blocks, which panics inside another runtime.
    runtime: Option<Runtime>,
}

impl BackgroundRuntime {
    /// Starts a runtime with a few worker threads named `thread_name`.
    pub(crate) fn new(thread_name: &str) -> io::Result<Self> {
        // The workers only shuffle bytes; callers block on their own threads. A handful is
        // plenty even when many callers send at once.
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name(thread_name)
            .enable_all()
            .build()?;
        Ok(BackgroundRuntime {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }

    /// The handle to spawn tasks on.
    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs `future` on the runtime's workers and blocks the calling thread until it ends.
    ///
    /// Returns `None` if the future panicked or the runtime is shutting down. Unlike
    /// `Runtime::block_on` this works from any thread, including a thread of another runtime
    /// (where it blocks that thread, as any synchronous call does).
    pub(crate) fn wait<F>(&self, future: F) -> Option<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv().ok()
    }
}

impl Drop for BackgroundRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
