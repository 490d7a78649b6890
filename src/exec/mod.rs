//! Case execution, below the runner and the properties: a [`case::Session`] builds requests
//! (endpoint and row setup steps with their saves, valid drafts, operators, authentication)
//! and sends them, keeping variables across requests; `seed` derives every random stream and
//! entity prefix from the run's seed; `options` holds the run's options.
//!
//! Not for: deciding which checks run or judging a whole check (`run`, `props`).

pub mod case;
pub mod options;
pub mod seed;
