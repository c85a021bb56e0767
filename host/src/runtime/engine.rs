//! The shared wasmtime engine: configuration, the epoch ticker and the
//! on-disk compile cache.

use super::limits::MAX_MEMORY_MIB;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; the unit of the per-call time limit.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The engine every plugin runs on, with its compile cache.
#[derive(Clone)]
pub struct SandboxEngine {
    pub engine: Engine,
    cache_dir: Option<PathBuf>,
    _ticker: Arc<EpochTicker>,
}

struct EpochTicker {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl SandboxEngine {
    /// Build the engine. `cache_dir` holds compiled components so a restart
    /// does not recompile (None: compile every time).
    pub fn new(cache_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(512)
            .total_core_instances(2048)
            .max_core_instances_per_component(32)
            .total_memories(512)
            .total_tables(1024)
            .max_memory_size((MAX_MEMORY_MIB * 1024 * 1024) as usize)
            .table_elements(50_000)
            // Reset a slot's first pages with memset instead of madvise, so
            // the next instance reuses them without page faults (a fresh
            // instance per request makes this the hot path), and decommit
            // in batches.
            .linear_memory_keep_resident(1024 * 1024)
            .table_keep_resident(64 * 1024)
            .decommit_batch_size(16)
            .pagemap_scan(wasmtime::Enabled::Auto);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            // Keep guard regions small: many slots are reserved up front.
            .memory_reservation(MAX_MEMORY_MIB * 1024 * 1024)
            .memory_guard_size(64 * 1024)
            .max_wasm_stack(1024 * 1024);
        // LINLI_PERF_MAP=1 writes /tmp/perf-PID.map, so `perf report` names
        // the plugins' own functions (compile cache off: the map is written
        // while compiling).
        if std::env::var_os("LINLI_PERF_MAP").is_some_and(|v| v != "0") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config).map_err(anyhow::Error::from).context("creating the wasmtime engine")?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            // A weak handle: the ticker ends when the last engine clone is gone.
            let engine = engine.weak();
            let stop = stop.clone();
            std::thread::Builder::new().name("linli-epoch".into()).spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match engine.upgrade() {
                        Some(e) => e.increment_epoch(),
                        None => break,
                    }
                }
            })?;
        }
        if let Some(dir) = &cache_dir {
            std::fs::create_dir_all(dir).with_context(|| format!("creating cache directory {}", dir.display()))?;
        }
        Ok(SandboxEngine { engine, cache_dir, _ticker: Arc::new(EpochTicker { stop }) })
    }

    /// Compile `bytes`, or load the compiled form from the cache.
    /// Returns the component and whether it came from the cache.
    pub fn compile(&self, bytes: &[u8]) -> anyhow::Result<(Component, bool)> {
        let Some(dir) = &self.cache_dir else {
            return Ok((Component::from_binary(&self.engine, bytes)?, false));
        };
        let path = self.cache_path(dir, bytes);
        if path.exists() {
            // SAFETY: the cache directory is written only by this host, with
            // the output of `Component::serialize` for this exact engine
            // configuration (its compatibility hash is part of the file name).
            match unsafe { Component::deserialize_file(&self.engine, &path) } {
                Ok(c) => return Ok((c, true)),
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "discarding unusable compile cache entry"),
            }
        }
        let component = Component::from_binary(&self.engine, bytes)?;
        if let Ok(serialized) = component.serialize() {
            // Write then rename, so a crash never leaves half a cache file.
            let tmp = path.with_extension("tmp");
            if std::fs::write(&tmp, serialized).and_then(|_| std::fs::rename(&tmp, &path)).is_err() {
                tracing::warn!(path = %path.display(), "could not write compile cache entry");
            }
        }
        Ok((component, false))
    }

    fn cache_path(&self, dir: &Path, bytes: &[u8]) -> PathBuf {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        let digest = Sha256::digest(bytes);
        dir.join(format!("{}-{:016x}.cwasm", hex::encode(&digest[..16]), h.finish()))
    }
}
