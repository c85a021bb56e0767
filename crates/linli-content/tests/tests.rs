//! Integration tests for linli-content: one binary, one module per concern.

mod common;

mod check;
mod host_api;
mod kinds;
mod layouts;
mod malformed;
mod schedule;
mod watcher;
