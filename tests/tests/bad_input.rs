//! Bad plugin files are rejected with a message naming the file and the
//! problem; nothing that already runs is affected.

use linli_tests::{TestServer, fixtures, wait_for};
use std::time::Duration;

fn errors(s: &TestServer) -> Vec<String> {
    s.host.registry.errors().values().cloned().collect()
}

#[test]
fn rejected_files_name_the_problem() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let dir = s.plugins_dir();
    std::fs::write(dir.join("readme.wasm"), "this is not wasm").unwrap();
    std::fs::write(dir.join("core.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let future = std::fs::read(fixtures::VERSIONED_V1).unwrap();
    let future = replace_all(&future, b"linli:plugin/types@0.1.0", b"linli:plugin/types@0.2.0");
    std::fs::write(dir.join("future.wasm"), future).unwrap();
    std::fs::copy(fixtures::VERSIONED_BROKEN, dir.join("teleport.wasm")).unwrap();
    // A second copy of notices claims the same routes (and id).
    std::fs::copy(fixtures::PLUGIN_NOTICES, dir.join("notices-copy.wasm")).unwrap();
    // Another plugin claims a route notices already serves.
    std::fs::copy(fixtures::CLASH, dir.join("clash.wasm")).unwrap();

    let all = wait_for(Duration::from_secs(20), || {
        let e = errors(&s);
        (e.len() >= 6).then_some(e)
    })
    .unwrap_or_else(|| panic!("expected 6 errors, got {:?}", errors(&s)));
    let find = |file: &str| all.iter().find(|e| e.contains(file)).cloned().unwrap_or_default();
    assert!(find("readme.wasm").contains("not a WebAssembly file"), "{all:?}");
    assert!(find("core.wasm").contains("core WebAssembly module"), "{all:?}");
    assert!(find("future.wasm").contains("linli:plugin@0.2.0"), "{all:?}");
    assert!(find("teleport.wasm").contains("unknown capability `teleport`"), "{all:?}");
    assert!(find("notices-copy.wasm").contains("already loaded"), "{all:?}");
    assert!(find("clash.wasm").contains("route `GET /api/notices` is already served by plugin `notices`"), "{all:?}");
    // The good plugin still serves.
    assert_eq!(s.get("/api/notices").0, 200);
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = hay.to_vec();
    let mut i = 0;
    let mut n = 0;
    while i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            n += 1;
        }
        i += 1;
    }
    assert!(n > 0, "the fixture imports {}", String::from_utf8_lossy(from));
    out
}
