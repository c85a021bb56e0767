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
            // this plugin's own (empty) namespace, whatever the key says.
            "/hostile/peek-kv" => {
                let direct = kv::get("notice/0000000001").ok().flatten();
                let escaped = kv::get("../notices/notice/0000000001").ok().flatten();
                let scanned = kv::scan("", None, 100).map(|v| v.len()).unwrap_or(0);
                Response::json(200, &serde_json::json!({"direct": direct.is_some(), "escaped": escaped.is_some(), "scanned": scanned}))
            }
            "/hostile/peek-sql" => {
                let attach = sql::execute("ATTACH DATABASE 'data/linli.db' AS host", &[]);
                let tables = sql::query("SELECT name FROM sqlite_master", &[]);
                Response::json(200, &serde_json::json!({
                    "attach": attach.map(|_| "ok".to_string()).unwrap_or_else(|e| e.to_string()),
                    "tables": tables.map(|r| r.rows.len()).unwrap_or(0),
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
                Response::json(200, &serde_json::json!({"result": r.map(|n| n.to_string()).unwrap_or_else(|e| e.to_string())}))
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
            "/hostile/rows" => {
                let n = sql::query("SELECT COUNT(*) FROM half", &[])
                    .ok()
                    .and_then(|r| r.rows.first().and_then(|row| row.first().cloned()))
                    .map(|v| match v {
                        sql::Value::Integer(n) => n,
                        _ => -1,
                    })
                    .unwrap_or(0);
                Response::json(200, &serde_json::json!({"rows": n}))
            }
            // `clock` was not asked for: calling it must be refused.
            "/hostile/clock" => Response::json(200, &serde_json::json!({"now": clock::now()})),
            _ => Response::not_found(&req),
        }
    }
}

export_plugin!(Hostile);
