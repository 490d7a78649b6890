//! The spec model and everything that reads it without sending a request: loading and
//! validating spec files ([`load`]), message templates ([`template`]) and the table linter
//! ([`lint`]).
//!
//! The main type is [`VendorSpec`], one vendor's table; [`SpecSet`] holds all loaded vendors.

pub mod lint;
pub mod load;
mod location;
pub mod model;
pub mod template;
mod unknown;

pub use load::{
    load_embedded, load_path, load_str, LoadedSpec, SpecError, SpecErrorKind, SpecErrors, SpecSet,
};
pub use location::{Location, LocationError, SaveFrom, SaveFromError};
pub use model::*;
pub use unknown::{check_names, UnknownName};
