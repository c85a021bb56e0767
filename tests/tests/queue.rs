//! The queue plugin (排队叫号): issuing, calling, the policy, live events,
//! statistics and pages through the harness with a controllable clock;
//! then many windows and kiosks at once over real HTTP, a SIGKILL in the
//! middle of that, and a headless browser over the pages.

mod browser;
mod calling;
mod concurrency;
mod durability;
mod events;
mod issuing;
mod kit;
mod pages;
mod postgres;
