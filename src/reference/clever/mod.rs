//! Clever LMS Connect grade passback, API v3.1: the embedded reference implementation of the
//! vendor `clever` (seed `clever-grade-passback-errors.txt`, 15 documented rows).
//!
//! The main type is [`CleverReference`] (in `api`, which reads like the vendor's documentation
//! in processing order). The real API is written in Go, and several documented messages are Go
//! library errors, so two small ports of Go's standard library live here too: `go_json` (the
//! `encoding/json` scanner and struct decoding, for the JSON syntax rows) and `go_time`
//! (`time.Parse`, for the `parsing time ...: day out of range` row).
//!
//! Not for: anything outside the grade passback endpoints (rostering, OAuth).

mod api;
mod go_json;
mod go_time;
mod model;
mod store;

pub use api::CleverReference;
