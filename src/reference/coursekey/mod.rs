//! The main type here is [`CourseKey`]: the reference implementation of the CourseKey
//! rostering API (users, courses, course members, attendance sessions) as the CourseKey
//! "API Integrations: Error Code Dictionary" and the spec's decisions describe it.
//!
//! The files follow the request: `service` (routing, auth key, body, the store lock),
//! then one module per record type, each in the vendor's processing order (`users`,
//! `courses`, `members`, `attendances`), over `validate` (the error envelope and the shared
//! formats) and `state` (the records). `world` is the built-in world: schools, keys, the
//! users and courses that exist before any request, and the fixtures naming them.
//!
//! Not for: the generic limits and test hooks (`super::Reference` handles body size, the
//! capabilities document and reads `X-Conformance-Fault`).

mod attendances;
mod context;
mod courses;
mod members;
mod service;
mod state;
mod users;
mod validate;
mod world;

pub use self::service::CourseKey;
