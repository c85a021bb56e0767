//! A plugin that takes uploads (capability `files`), for the end-to-end
//! tests: a public upload route for PNG and PDF (200 KiB), a staff route
//! for personal PDF material (1 MiB) and one for 25 MiB, a text route, and routes serving
//! files to the public (its non-personal files only) and to staff.
//!
//! Built a second time with `LINLI_FIXTURE_FILES_OTHER=1` as plugin
//! `files-b` (routes under `/files-b/`): another plugin, which must not be
//! able to serve the first one's files.

use linli_sdk::files::{self, FileInfo, Upload};
use linli_sdk::prelude::*;
use serde_json::{Value as J, json};

struct Files;

const OTHER: bool = option_env!("LINLI_FIXTURE_FILES_OTHER").is_some();

fn base() -> &'static str {
    if OTHER { "/files-b" } else { "/files" }
}

fn info(f: &FileInfo) -> J {
    json!({"id": f.id, "size": f.size, "type": f.content_type, "sha256": f.sha256, "name": f.name, "personal": f.personal, "kept": f.kept, "created": f.created})
}

fn flag(req: &Request, name: &str) -> bool {
    req.query.split('&').any(|kv| kv == format!("{name}=1"))
}

impl Plugin for Files {
    fn manifest() -> Manifest {
        let b = base();
        Manifest::new(if OTHER { "files-b" } else { "files" }, "文件测试", "Files test", "0.1.0")
            .capability("files")
            .upload(Upload::post(&format!("{b}/up"), Audience::Public).types(&["png", "pdf"]).max_bytes(200 * 1024))
            .upload(Upload::post(&format!("{b}/personal"), Audience::Staff).types(&["pdf"]).max_mib(1).personal())
            .upload(Upload::post(&format!("{b}/text"), Audience::Public).types(&["text"]).max_bytes(4096))
            .upload(Upload::post(&format!("{b}/big"), Audience::Staff).types(&["pdf"]).max_mib(25).personal())
            .route(Route::get(&format!("{b}/public/{{id}}"), Audience::Public))
            .route(Route::get(&format!("{b}/staff/{{id}}"), Audience::Staff))
            .route(Route::get(&format!("{b}/info/{{id}}"), Audience::Staff))
            .route(Route::post(&format!("{b}/release/{{id}}"), Audience::Staff))
            .route(Route::get(&format!("{b}/page"), Audience::Public))
            .route(Route::get(&format!("{b}/upload.js"), Audience::Public))
            .page(Page::new(&format!("{b}/page"), "上传材料", "Upload", Audience::Public))
    }

    fn handle(req: Request) -> Response {
        let route = req.route.strip_prefix(base()).unwrap_or("").to_owned();
        let id = req.param("id").unwrap_or("").to_owned();
        match route.as_str() {
            "/up" | "/personal" | "/text" | "/big" => match files::uploaded(&req) {
                Some(Ok(f)) => {
                    // `?fail=1`: the plugin refuses what it got (the host
                    // removes the file at once); `?trap=1`: it keeps it,
                    // then breaks (the keep is not applied).
                    if flag(&req, "fail") {
                        return Response::error(422, "材料不符合要求", "the material is not acceptable");
                    }
                    if (flag(&req, "keep") || route == "/personal" || route == "/big")
                        && let Err(e) = files::keep(&f.id)
                    {
                        return Response::error(500, "保存失败", &e.to_string());
                    }
                    if flag(&req, "trap") {
                        panic!("broken after keep");
                    }
                    // As this call sees it now (its keep included).
                    let f = files::get(&f.id).ok().flatten().unwrap_or(f);
                    Response::json(201, &info(&f))
                }
                Some(Err(e)) => Response::error(500, "读取文件失败", &e.to_string()),
                None => Response::error(400, "没有收到文件", "no file received"),
            },
            // The public sees this plugin's non-personal files only.
            "/public/{id}" => match files::get(&id) {
                Ok(Some(f)) if !f.personal => files::serve(&f.id),
                // Asked to serve anyway (`?force=1`): the host decides.
                _ if flag(&req, "force") => files::serve(&id),
                _ => Response::error(404, "文件不存在", "no such file"),
            },
            "/staff/{id}" => files::serve(&id),
            "/info/{id}" => match files::get(&id) {
                Ok(Some(f)) => {
                    let head = files::read(&f.id, 0, 8).map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>());
                    let big = files::read(&f.id, 0, 2 * 1024 * 1024).map(|b| b.len()).map_err(|e| e.to_string());
                    Response::json(200, &json!({"file": info(&f), "head": head.map_err(|e| e.to_string()), "big_read": big}))
                }
                Ok(None) => Response::json(404, &json!({"file": null})),
                Err(e) => Response::error(500, "读取失败", &e.to_string()),
            },
            "/release/{id}" => Response::json(200, &json!({"released": files::release(&id).map_err(|e| e.to_string())})),
            "/page" => Response::page(
                "上传材料",
                format!(
                    "<form data-linli-upload method=\"POST\" action=\"{b}/up?keep=1\"><input type=\"file\" name=\"f\"><button>上传</button>\
                     <progress max=\"100\" value=\"0\"></progress><span data-status></span></form><script src=\"{b}/upload.js\"></script>",
                    b = base()
                ),
            ),
            "/upload.js" => Response { status: 200, headers: vec![("content-type".into(), "text/javascript; charset=utf-8".into())], body: files::UPLOAD_SCRIPT.as_bytes().to_vec() },
            _ => Response::not_found(&req),
        }
    }
}

export_plugin!(Files);
