//! A plugin whose version (and, for the broken build, manifest) is chosen
//! at build time, for the hot-reload tests.

use linli_sdk::prelude::*;

struct Versioned;

const VERSION: &str = match option_env!("LINLI_FIXTURE_VERSION") {
    Some(v) => v,
    None => "1.0.0",
};

impl Plugin for Versioned {
    fn manifest() -> Manifest {
        // The "clash" build claims a route the notices plugin serves.
        if option_env!("LINLI_FIXTURE_CLASH").is_some() {
            return Manifest::new("clash", "冲突测试", "Clash", VERSION).route(Route::get("/api/notices", Audience::Public));
        }
        // `sql`: its calls run on a lane, so the hot-reload test's swaps
        // also hand its database from one version's lane to the next one's.
        let m = Manifest::new("versioned", "版本测试", "Versioned", VERSION)
            .capability("kv")
            .capability("sql")
            .route(Route::get("/versioned", Audience::Public))
            .route(Route::get("/versioned/slow", Audience::Public))
            .route(Route::get("/versioned/count", Audience::Public));
        // The "broken" build asks for a capability no host has.
        if option_env!("LINLI_FIXTURE_BROKEN").is_some() { m.capability("teleport") } else { m }
    }

    fn handle(req: Request) -> Response {
        if req.path == "/versioned/count" {
            // One more hit, counted in the plugin's own database.
            let counted = sql::transaction(&[
                ("CREATE TABLE IF NOT EXISTS hits (n INTEGER PRIMARY KEY)".to_string(), vec![]),
                ("INSERT INTO hits DEFAULT VALUES".to_string(), vec![]),
            ])
            .and_then(|_| sql::query_as::<i64>("SELECT COUNT(*) FROM hits", &[]));
            return match counted.as_deref() {
                Ok([n]) => Response::json(200, &serde_json::json!({ "version": VERSION, "hits": n })),
                other => Response::json(500, &serde_json::json!({ "error": format!("{other:?}") })),
            };
        }
        if req.path == "/versioned/slow" {
            // Busy for a while (a few hundred ms), so a reload can happen
            // mid-request. No clock: plugins without `clock` see a frozen one.
            let mut x = 0u64;
            for i in 0..150_000_000u64 {
                x = std::hint::black_box(x.wrapping_add(i));
            }
        }
        Response::json(200, &serde_json::json!({ "version": VERSION }))
    }
}

export_plugin!(Versioned);
