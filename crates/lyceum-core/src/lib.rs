//! Lyceum's domain: the course tree and its block kinds, completion rules and the one
//! permission function. Pure: no I/O, no async, no SQL — everything here is unit-tested
//! without a server.

pub mod blocks;
pub mod capa;
pub mod clock;
pub mod completion;
pub mod course;
pub mod error;
pub mod grading;
pub mod ids;
pub mod limits;
pub mod media;
pub mod olx_links;
pub mod open_response;
pub mod permissions;
pub mod sanitize;
pub mod subtitles;
pub mod translation;
pub mod trust;
pub mod user;
pub mod wiki;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{DomainError, ErrorKey};
pub use ids::{BlockId, CourseId, OrgId, UserId};
