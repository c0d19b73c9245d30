//! The application layer (see DESIGN.md): every operation the web, the CLI, the demo and
//! background jobs perform is one function here, over the rules in `lyceum-core` and one
//! store transaction, with its audit entry and notifications. Nothing here knows HTTP.
//!
//! One module per area; each use case takes an [`Env`] (the store, the media store and
//! the clock), the actor, and plain inputs, and answers plain outputs or an [`Error`]
//! whose [`ErrorKind`] callers map in one place.

pub mod accounts;
pub mod announcements;
pub mod authoring;
pub mod conduct;
pub mod course_admin;
pub mod course_files;
pub mod courses;
pub mod discussion_moderation;
pub mod discussions;
pub mod error;
pub mod forks;
pub mod jobs;
pub mod messages;
pub mod moderation;
pub mod notification_settings;
pub mod open_responses;
pub mod orgs;
pub mod problems;
pub mod settings;
pub mod surveys;
pub mod translations;
pub mod trust;
pub mod upstream;
pub mod users;
pub mod wiki_tasks;

pub use error::{Error, ErrorKind, Result};

use lyceum_core::Clock;
use lyceum_store::{MediaStore, Store};
use std::sync::Arc;

/// What every use case runs against. Cheap to clone.
#[derive(Clone)]
pub struct Env {
    pub store: Store,
    pub media: MediaStore,
    pub clock: Arc<dyn Clock>,
}

impl Env {
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }
}
