//! 意见箱 / Feedback: suggestions, complaints and praise (being written).

use linli_sdk::prelude::*;

struct Feedback;

impl Plugin for Feedback {
    fn manifest() -> Manifest {
        Manifest::new("feedback", "意见箱", "Feedback", env!("CARGO_PKG_VERSION"))
    }
}

export_plugin!(Feedback);
