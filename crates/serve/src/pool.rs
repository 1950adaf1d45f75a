//! A small pool of store connections. `Store` is `Send` but not `Sync`, so each blocking
//! task checks one store out, uses it alone and gives it back; SQLite's WAL mode lets
//! the readers run side by side.

use std::sync::{Arc, Mutex};

use lantern_store::Store;

use crate::error::AppError;

/// Opens a new connection to the store.
pub type Opener = Arc<dyn Fn() -> lantern_store::Result<Box<dyn Store>> + Send + Sync>;

/// Store connections kept open between requests.
pub struct Pool {
    opener: Opener,
    idle: Mutex<Vec<Box<dyn Store>>>,
    max_idle: usize,
}

impl Pool {
    /// A pool that opens connections with `opener` and keeps up to `max_idle` of them.
    pub fn new(opener: Opener, max_idle: usize) -> Pool {
        Pool {
            opener,
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    fn checkout(&self) -> Result<Box<dyn Store>, AppError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(s) => Ok(s),
            None => (self.opener)().map_err(AppError::from),
        }
    }

    fn checkin(&self, store: Box<dyn Store>) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(store);
        }
    }

    /// Run `f` with a store on the blocking thread pool.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, AppError> + Send + 'static,
    {
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut store = pool.checkout()?;
            let out = f(store.as_mut());
            pool.checkin(store);
            out
        })
        .await
        .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
    }
}
