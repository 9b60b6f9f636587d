//! shiming client for `sjsys` (in progress).
#![deny(missing_docs)]
