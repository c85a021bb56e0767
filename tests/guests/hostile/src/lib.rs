//! A plugin that misbehaves on purpose, one route per attack. The host must
//! contain each with a clear error while other plugins keep serving.

use linli_sdk::prelude::*;

struct Hostile;

impl Plugin for Hostile {
    fn manifest() -> Manifest {
        let mut m = Manifest::new("hostile", "恶意测试", "Hostile", "0.1.0").capability("kv").capability("sql").capability("log").capability("events");
        for r in ["loop", "memory", "trap", "big", "flood", "garbage", "bad-header", "peek-kv", "peek-sql", "peek-file", "peek-env", "sql", "kv", "clock", "half", "rows"] {
            m = m.route(Route::get(&format!("/hostile/{r}"), Audience::Public));
        }
        m
    }

    fn handle(req: Request) -> Response {
        match req.path.as_str() {
            "/hostile/loop" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "/hostile/memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 8 * 1024 * 1024]);
                    std::hint::black_box(&hoard);
                }
            }
            "/hostile/trap" => panic!("deliberate panic in the hostile plugin"),
            "/hostile/big" => Response::text(200, &"x".repeat(4 * 1024 * 1024)),
            "/hostile/flood" => {
                let mut n = 0u64;
                loop {
                    let _ = kv::get("k");
                    n += 1;
                    std::hint::black_box(n);
                }
            }
            "/hostile/garbage" => Response { status: 999, headers: vec![], body: b"??".to_vec() },
            "/hostile/bad-header" => Response::text(200, "x").with_header("bad header\n", "v"),
            // Another plugin's keys live in another namespace: this reads
            // this plugin's own namespace, whatever the key says. Every
            // call's own outcome is reported (`{"ok": …}` or `{"err": …}`),
            // and a key of its own is written and read back first, so "found
            // nothing" cannot stand in for "key-value storage is broken".
            "/hostile/peek-kv" => {
                let own = kv::set("own/marker", b"mine").and_then(|_| kv::get("own/marker"));
                let direct = kv::get("notice/0000000001");
                let escaped = kv::get("../notices/notice/0000000001");
                let scanned = kv::scan("", None, 100);
                let failed = own.is_err() || direct.is_err() || escaped.is_err() || scanned.is_err();
                let text = |v: Option<Vec<u8>>| v.map(|b| String::from_utf8_lossy(&b).into_owned());
                let body = serde_json::json!({
                    "own": outcome(own.map(text)),
                    "direct": outcome(direct.map(text)),
                    "escaped": outcome(escaped.map(text)),
                    "scanned": outcome(scanned.map(|v| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>())),
                });
                Response::json(if failed { 500 } else { 200 }, &body)
            }
            // The ATTACH is meant to fail (and says how); the query of its
            // own schema is meant to work, and a failure of it is a 500.
            "/hostile/peek-sql" => {
                let attach = sql::execute("ATTACH DATABASE 'data/linli.db' AS host", &[]);
                let tables = sql::query("SELECT name FROM sqlite_master", &[]);
                let status = if tables.is_ok() { 200 } else { 500 };
                Response::json(status, &serde_json::json!({
                    "attach": outcome(attach),
                    "tables": outcome(tables.map(|r| r.rows.len())),
                }))
            }
            "/hostile/peek-file" => {
                let r = std::fs::read_to_string("/etc/passwd").map(|s| s.len()).map_err(|e| e.to_string());
                let dir = std::fs::read_dir(".").map(|d| d.count()).map_err(|e| e.to_string());
                Response::json(200, &serde_json::json!({"passwd": format!("{r:?}"), "dir": format!("{dir:?}")}))
            }
            "/hostile/peek-env" => {
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                let net = std::net::TcpStream::connect("127.0.0.1:8080").map(|_| "connected").map_err(|e| e.to_string());
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
                Response::json(200, &serde_json::json!({"env": vars, "net": format!("{net:?}"), "system_time_secs": now}))
            }
            "/hostile/sql" => {
                let r = sql::execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)", &[]);
                Response::json(200, &serde_json::json!({"result": r.map(|n| n.to_string()).unwrap_or_else(|e| e.to_string())}))
            }
            "/hostile/kv" => {
                let r = kv::increment("hits", 1);
                let status = if r.is_ok() { 200 } else { 500 };
                Response::json(status, &serde_json::json!({"result": r.map(|n| n.to_string()).unwrap_or_else(|e| e.to_string())}))
            }
            // Writes a row and publishes an event, then fails as `?then=`
            // says (trap, loop, memory) or returns: a call that fails must
            // leave neither behind.
            "/hostile/half" => {
                let made = sql::execute("CREATE TABLE IF NOT EXISTS half (x INTEGER)", &[])
                    .and_then(|_| sql::execute("INSERT INTO half (x) VALUES (1)", &[]))
                    .and_then(|_| events::publish("hostile.half", &serde_json::json!({"x": 1})));
                if let Err(e) = made {
                    return Response::text(500, &e.to_string());
                }
                match req.query.as_str() {
                    "then=trap" => panic!("deliberate panic after writing"),
                    "then=loop" => loop {
                        std::hint::black_box(0);
                    },
                    "then=memory" => {
                        let mut hoard: Vec<Vec<u8>> = Vec::new();
                        loop {
                            hoard.push(vec![1u8; 8 * 1024 * 1024]);
                            std::hint::black_box(&hoard);
                        }
                    }
                    _ => Response::json(200, &serde_json::json!({"written": true})),
                }
            }
            // The table is made by /hostile/half; before any call made it
            // there are no rows. Any other failure is a 500 with the error,
            // never a count of 0.
            "/hostile/rows" => {
                let made = sql::query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'", &[]);
                let count = match made.map(|r| r.rows.first().and_then(|row| row.first().cloned())) {
                    Ok(Some(sql::Value::Integer(0))) => Ok(0),
                    Ok(Some(sql::Value::Integer(_))) => sql::query("SELECT COUNT(*) FROM half", &[]).map_err(|e| e.to_string()).and_then(|r| {
                        match r.rows.first().and_then(|row| row.first().cloned()) {
                            Some(sql::Value::Integer(n)) => Ok(n),
                            other => Err(format!("COUNT(*) gave {other:?}")),
                        }
                    }),
                    Ok(other) => Err(format!("sqlite_master count gave {other:?}")),
                    Err(e) => Err(e.to_string()),
                };
                match count {
                    Ok(n) => Response::json(200, &serde_json::json!({"rows": n})),
                    Err(e) => Response::json(500, &serde_json::json!({"error": e})),
                }
            }
            // `clock` was not asked for: calling it must be refused.
            "/hostile/clock" => Response::json(200, &serde_json::json!({"now": clock::now()})),
            _ => Response::not_found(&req),
        }
    }
}

/// A host call's outcome as JSON: `{"ok": value}` or `{"err": "message"}`.
fn outcome<T: Into<serde_json::Value>, E: std::fmt::Display>(r: Result<T, E>) -> serde_json::Value {
    match r {
        Ok(v) => {
            let v: serde_json::Value = v.into();
            serde_json::json!({ "ok": v })
        }
        Err(e) => serde_json::json!({ "err": e.to_string() }),
    }
}

export_plugin!(Hostile);
