//! `residents`: resident records, read and written only on behalf of
//! signed-in staff whose role allows it, masked for volunteers, every
//! access audited.

use super::*;
use crate::runtime::bindings::linli::plugin::residents;

/// What a caller may do with resident records.
#[derive(PartialEq)]
enum ResidentAccess {
    Full,
    Masked,
}

impl CallState {
    fn resident_access(&self, write: bool) -> Result<(ResidentAccess, &crate::auth::Caller), Error> {
        let Some(caller) = self.caller.as_ref().filter(|c| matches!(c.kind, crate::auth::CallerKind::Staff)) else {
            return Err(Error::Denied("resident records are read and written only on behalf of signed-in staff".into()));
        };
        let has = |roles: &[&str]| caller.is_admin() || caller.roles.iter().any(|r| roles.contains(&r.as_str()));
        if write {
            return if has(&["clerk", "guide"]) { Ok((ResidentAccess::Full, caller)) } else { Err(Error::Denied("this role may not change resident records".into())) };
        }
        if has(&["clerk", "guide", "supervisor"]) {
            Ok((ResidentAccess::Full, caller))
        } else if has(&["volunteer"]) {
            Ok((ResidentAccess::Masked, caller))
        } else {
            Err(Error::Denied("this role may not read resident records".into()))
        }
    }

    fn audit(&self, caller: &crate::auth::Caller, action: &str, target: &str) {
        if let Some(r) = &self.services.residents {
            let detail = format!("via plugin {}", self.plugin_id);
            if let Err(e) = crate::audit::record(&r.db, r.vault.audit_chain(), caller, self.services.clock.now_ms(), action, Some(target), Some(&detail)) {
                tracing::error!(error = %e, "could not write the audit log");
            }
        }
    }
}

fn to_wit(r: crate::residents::Resident, access: &ResidentAccess) -> residents::Resident {
    let masked = *access == ResidentAccess::Masked;
    residents::Resident {
        id: r.id as u64,
        name: if masked { linli_shared::mask::name(&r.name) } else { r.name },
        id_number: r.id_number.map(|v| if masked { linli_shared::mask::id_number(&v) } else { v }),
        phone: r.phone.map(|v| if masked { linli_shared::mask::phone(&v) } else { v }),
        address: if masked { None } else { r.address },
        tags: r.tags,
    }
}

macro_rules! records {
    ($self:ident) => {
        match &$self.services.residents {
            Some(r) => (r.db.clone(), r.vault.clone()),
            None => return Ok(Err(Error::Internal("resident records are not available in this host".into()))),
        }
    };
}

impl residents::Host for CallState {
    fn find(&mut self, id_number: Option<String>, phone: Option<String>) -> HostResult<Vec<residents::Resident>> {
        guard!(self, Residents);
        let (access, caller) = match self.resident_access(false) {
            Ok((a, c)) => (a, c.clone()),
            Err(e) => return Ok(Err(e)),
        };
        let (db, vault) = records!(self);
        match crate::residents::find(&db, &vault, id_number.as_deref(), phone.as_deref()) {
            Ok(list) => {
                for r in &list {
                    self.audit(&caller, "residents.read", &format!("resident:{}", r.id));
                }
                Ok(Ok(list.into_iter().map(|r| to_wit(r, &access)).collect()))
            }
            Err(e) => Ok(Err(storage_err(e))),
        }
    }

    fn get(&mut self, id: u64) -> HostResult<Option<residents::Resident>> {
        guard!(self, Residents);
        let (access, caller) = match self.resident_access(false) {
            Ok((a, c)) => (a, c.clone()),
            Err(e) => return Ok(Err(e)),
        };
        let (db, vault) = records!(self);
        match crate::residents::get(&db, &vault, id as i64) {
            Ok(r) => {
                self.audit(&caller, "residents.read", &format!("resident:{id}"));
                Ok(Ok(r.map(|r| to_wit(r, &access))))
            }
            Err(e) => Ok(Err(storage_err(e))),
        }
    }

    fn save(&mut self, entry: residents::Resident) -> HostResult<u64> {
        guard!(self, Residents);
        let caller = match self.resident_access(true) {
            Ok((_, c)) => c.clone(),
            Err(e) => return Ok(Err(e)),
        };
        let (db, vault) = records!(self);
        let r = crate::residents::Resident {
            id: entry.id as i64,
            name: entry.name,
            id_number: entry.id_number,
            phone: entry.phone,
            address: entry.address,
            tags: entry.tags,
        };
        match crate::residents::save(&db, &vault, &r, self.services.clock.now_ms()) {
            Ok(id) => {
                self.audit(&caller, if r.id > 0 { "residents.update" } else { "residents.save" }, &format!("resident:{id}"));
                Ok(Ok(id as u64))
            }
            Err(e) => Ok(Err(storage_err(e))),
        }
    }
}
