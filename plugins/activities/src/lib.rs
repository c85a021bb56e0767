//! 社区文化活动报名 / Community activities (being written).

use linli_sdk::prelude::*;

struct Activities;

impl Plugin for Activities {
    fn manifest() -> Manifest {
        Manifest::new("activities", "社区文化活动", "Community activities", env!("CARGO_PKG_VERSION"))
    }
}

export_plugin!(Activities);
