//! What a record module knows about the request besides its body ([`Context`]). The record
//! modules and the service both read it; neither imports the other for it.

use super::state::Directory;
use crate::reference::{Config, Hooks};

/// What a record module knows about the request besides its body.
pub(super) struct Context<'a> {
    pub directory: &'a Directory,
    /// The schools the auth key is authorized for.
    pub schools: &'a [String],
    pub hooks: &'a Hooks,
    pub config: &'a Config,
}

impl Context<'_> {
    /// Whether the auth key may act for that school.
    pub fn authorizes(&self, school_id: &str) -> bool {
        self.schools.iter().any(|s| s == school_id)
    }

    /// Whether the school has an integration configuration (an unknown school has none).
    pub fn configured(&self, school_id: &str) -> bool {
        self.directory
            .school(school_id)
            .is_some_and(|s| s.settings.is_some())
    }
}
