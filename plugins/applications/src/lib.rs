//! Pre-acceptance (预受理) for the community service hall.

use linli_sdk::prelude::*;

struct Applications;

impl Plugin for Applications {
    fn manifest() -> Manifest {
        Manifest::new("applications", "预受理", "Pre-acceptance", env!("CARGO_PKG_VERSION"))
            .capability("log")
            .route(Route::get("/applications", Audience::Public))
    }

    fn handle(req: Request) -> Response {
        Response::not_found(&req)
    }
}

export_plugin!(Applications);
