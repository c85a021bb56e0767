//! End-to-end tests of the Linli host with real plugin components.

mod audit;
mod authz;
mod bad_input;
mod compat;
mod content;
mod durability;
mod events;
mod files;
mod fleet;
mod harness;
mod hot_reload;
mod notices;
mod notify;
mod packages;
mod pages_escape;
mod plugin_switch;
mod queue;
mod sandbox;
mod screens;
mod security;
mod services;
mod signage_follow;
mod staff_pages;
mod template;
