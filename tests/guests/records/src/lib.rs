//! A guide-desk style plugin that uses resident records, for the security
//! tests: routes for each audience and a pass-through of the host's answers.

use linli_sdk::prelude::*;

struct Records;

#[derive(serde::Deserialize)]
struct Input {
    name: String,
    id_number: Option<String>,
    phone: Option<String>,
}

fn view(r: &residents::Resident) -> serde_json::Value {
    serde_json::json!({"id": r.id, "name": r.name, "id_number": r.id_number, "phone": r.phone, "address": r.address})
}

impl Plugin for Records {
    fn manifest() -> Manifest {
        Manifest::new("records", "居民档案测试", "Records", "0.1.0")
            .capability("residents")
            .capability("audit")
            // Its calls then run on a lane (group commits): the audit
            // entries of a trapped call must go there too.
            .capability("sql")
            .route(Route::post("/records", Audience::Staff))
            .route(Route::get("/records/find", Audience::Staff))
            .route(Route::get("/records/public-find", Audience::Public))
            .route(Route::get("/records/kiosk", Audience::Kiosk))
            .route(Route::get("/records/screen", Audience::Screen))
            .route(Route::get("/records/admin", Audience::Admin))
            // `audit` (tests/tests/audit.rs): `n` entries, then `trap=1` traps.
            .route(Route::get("/records/audited", Audience::Staff))
            .route(Route::get("/records/public-audited", Audience::Public))
    }

    fn handle(req: Request) -> Response {
        match req.route.as_str() {
            "/records" => {
                let input: Input = match req.json() {
                    Ok(i) => i,
                    Err(r) => return r,
                };
                let r = residents::Resident { id: 0, name: input.name, id_number: input.id_number, phone: input.phone, address: Some("幸福路 1 号".into()), tags: vec![] };
                match residents::save(&r) {
                    Ok(id) => Response::json(201, &serde_json::json!({"id": id})),
                    Err(e) => Response::json(403, &serde_json::json!({"error": e.to_string()})),
                }
            }
            "/records/find" | "/records/public-find" => {
                let phone = req.query_param("phone");
                match residents::find(None, phone.as_deref()) {
                    Ok(list) => Response::json(200, &serde_json::json!({"residents": list.iter().map(view).collect::<Vec<_>>()})),
                    Err(e) => Response::json(403, &serde_json::json!({"error": e.to_string()})),
                }
            }
            "/records/audited" | "/records/public-audited" => {
                let n: usize = req.query_param("n").and_then(|n| n.parse().ok()).unwrap_or(1);
                let action = req.query_param("action").unwrap_or_else(|| "card.read".into());
                // A change of the call's own, kept or undone with its entries.
                if let Err(e) = sql::execute("CREATE TABLE IF NOT EXISTS reads (n INTEGER)", &[]).and_then(|_| sql::execute("INSERT INTO reads (n) VALUES (?1)", &[sql::int(n as i64)])) {
                    return Response::json(500, &serde_json::json!({"error": e.to_string()}));
                }
                for i in 0..n {
                    if let Err(e) = linli_sdk::audit::record(&action, Some(&format!("resident:{i}")), Some("测试")) {
                        return Response::json(403, &serde_json::json!({"recorded": i, "error": e.to_string()}));
                    }
                }
                if req.query_param("trap").as_deref() == Some("1") {
                    panic!("trapping after recording {n} audit entries");
                }
                Response::json(200, &serde_json::json!({"recorded": n}))
            }
            _ => Response::json(200, &serde_json::json!({"caller": req.caller.kind, "name": req.caller.name})),
        }
    }
}

export_plugin!(Records);
