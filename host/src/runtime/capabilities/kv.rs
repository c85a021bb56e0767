//! `kv`: the plugin's key-value namespace in the host's store, with its
//! quota (`kv_mib`) and scans paged by bytes.

use super::*;
use crate::runtime::bindings::linli::plugin::kv;

impl kv::Host for CallState {
    fn get(&mut self, key: String) -> HostResult<Option<Vec<u8>>> {
        guard!(self, Kv);
        Ok(self.services.storage.kv_get(&self.plugin_id, &key).map_err(|e| self.store_failed(e)))
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> HostResult<()> {
        guard!(self, Kv);
        if let Err(e) = self.check_size("value", value.len() + key.len()) {
            return Ok(Err(e));
        }
        if let Err(e) = self.check_kv_quota(&key, Some(value.len())) {
            return Ok(Err(e));
        }
        Ok(self.services.storage.kv_set(&self.plugin_id, &key, &value).map_err(|e| self.store_failed(e)))
    }

    fn delete(&mut self, key: String) -> HostResult<bool> {
        guard!(self, Kv);
        Ok(self.services.storage.kv_delete(&self.plugin_id, &key).map_err(|e| self.store_failed(e)))
    }

    fn scan(&mut self, prefix: String, after: Option<String>, limit: u32) -> HostResult<Vec<(String, Vec<u8>)>> {
        guard!(self, Kv);
        let limit = limit.min(1000);
        let mut rows = match self.services.storage.kv_scan(&self.plugin_id, &prefix, after.as_deref(), limit) {
            Ok(rows) => rows,
            Err(e) => return Ok(Err(self.store_failed(e))),
        };
        // Like a query: at most four values' worth per page, so a scan of
        // large values cannot make the host copy hundreds of MiB into a
        // call. The plugin goes on from the last key it got.
        let budget = self.limits.value_bytes * 4;
        let mut bytes = 0;
        let keep = rows
            .iter()
            .position(|(k, v)| {
                bytes += k.len() + v.len();
                bytes > budget
            })
            .map_or(rows.len(), |i| i.max(1));
        rows.truncate(keep);
        Ok(Ok(rows))
    }

    fn compare_and_swap(&mut self, key: String, expected: Option<Vec<u8>>, new: Option<Vec<u8>>) -> HostResult<bool> {
        guard!(self, Kv);
        if let Err(e) = self.check_size("value", new.as_ref().map_or(0, |v| v.len()) + key.len()) {
            return Ok(Err(e));
        }
        if let Err(e) = self.check_kv_quota(&key, new.as_ref().map(Vec::len)) {
            return Ok(Err(e));
        }
        Ok(self
            .services
            .storage
            .kv_cas(&self.plugin_id, &key, expected.as_deref(), new.as_deref())
            .map_err(|e| self.store_failed(e)))
    }

    fn increment(&mut self, key: String, delta: i64) -> HostResult<i64> {
        guard!(self, Kv);
        // A counter is at most 20 digits.
        if let Err(e) = self.check_kv_quota(&key, Some(20)) {
            return Ok(Err(e));
        }
        Ok(self.services.storage.kv_increment(&self.plugin_id, &key, delta).map_err(|e| self.store_failed(e)))
    }
}
