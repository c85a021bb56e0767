//! A plugin that calls other plugins (capability `services`), built once
//! per id (`LINLI_SVC_ID`: svc-a, svc-b…) for `tests/tests/services.rs`.
//!
//! Its POST routes take a step: write a row to its own database (its own
//! data, which must outlive whatever a callee does), then maybe call
//! another plugin (as itself or on behalf of its caller, with or without
//! an idempotency key; the callee's body may be a step again, so a test
//! builds chains), then maybe trap or spin. It answers what it saw: its
//! caller, the calling plugin, and the callee's answer or error.

use linli_sdk::prelude::*;
use linli_sdk::services::Call;
use serde::Deserialize;
use serde_json::{Value, json};

const ID: &str = match option_env!("LINLI_SVC_ID") {
    Some(v) => v,
    None => "svc-a",
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Step {
    note: String,
    /// Busy for this long (by the host's clock) before calling.
    delay_ms: i64,
    call: Option<CallSpec>,
    trap: bool,
    spin: bool,
}

#[derive(Deserialize)]
struct CallSpec {
    plugin: String,
    #[serde(default = "post")]
    method: String,
    path: String,
    #[serde(default)]
    body: Value,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    on_behalf: bool,
}

fn post() -> String {
    "POST".into()
}

struct Svc;

fn path(tail: &str) -> String {
    format!("/api/{ID}/{tail}")
}

impl Plugin for Svc {
    fn manifest() -> Manifest {
        Manifest::new(ID, "服务调用测试", "Service calls test", "1.0.0")
            .capability("sql")
            .capability("services")
            .capability("clock")
            .route(Route::post(&path("run"), Audience::Staff).callable())
            .route(Route::post(&path("supervise"), Audience::Staff).roles(&["supervisor"]).callable())
            .route(Route::post(&path("private"), Audience::Staff))
            .route(Route::get(&path("count"), Audience::Public))
    }

    fn handle(req: Request) -> Response {
        if req.method == "GET" {
            let rows = sql::execute("CREATE TABLE IF NOT EXISTS runs (n INTEGER PRIMARY KEY, note TEXT NOT NULL)", &[])
                .and_then(|_| sql::query_as::<String>("SELECT note FROM runs ORDER BY n", &[]));
            return match rows {
                Ok(notes) => Response::json(200, &json!({"plugin": ID, "runs": notes.len(), "notes": notes})),
                Err(e) => Response::error(500, "数据库出错", &e.to_string()),
            };
        }
        let step: Step = if req.body.is_empty() { Step::default() } else { match req.json() { Ok(s) => s, Err(r) => return r } };
        let wrote = sql::execute("CREATE TABLE IF NOT EXISTS runs (n INTEGER PRIMARY KEY, note TEXT NOT NULL)", &[])
            .and_then(|_| sql::execute("INSERT INTO runs (note) VALUES (?1)", &[sql::text(&step.note)]));
        if let Err(e) = wrote {
            return Response::error(500, "数据库出错", &e.to_string());
        }
        if step.delay_ms > 0 {
            let until = clock::now() + step.delay_ms;
            while clock::now() < until {
                for i in 0..200_000u64 {
                    std::hint::black_box(i);
                }
            }
        }
        let called = step.call.map(|c| {
            let mut call = Call::new(&c.plugin, &c.method, &c.path).json(&c.body);
            if c.on_behalf {
                call = call.on_behalf();
            }
            if let Some(k) = &c.key {
                call = call.idempotency_key(k);
            }
            match call.send() {
                Ok(r) => json!({"status": r.status, "body": r.json::<Value>().unwrap_or_else(|_| Value::String(r.text()))}),
                Err(e) => {
                    let (kind, message) = match e {
                        linli_sdk::store::HostError::Denied(m) => ("denied", m),
                        linli_sdk::store::HostError::Invalid(m) => ("invalid", m),
                        linli_sdk::store::HostError::Limit(m) => ("limit", m),
                        linli_sdk::store::HostError::Internal(m) => ("internal", m),
                    };
                    json!({"error": kind, "message": message})
                }
            }
        });
        if step.trap {
            panic!("{ID} traps on purpose");
        }
        if step.spin {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        Response::json(
            200,
            &json!({
                "plugin": ID,
                "note": step.note,
                "caller": {"kind": req.caller.kind, "id": req.caller.id, "roles": req.caller.roles},
                "caller_plugin": req.header("linli-caller-plugin"),
                "call": called,
            }),
        )
    }
}

export_plugin!(Svc);
