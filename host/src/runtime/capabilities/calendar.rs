//! `calendar`: the hall's working days (`content/calendar/`).

use super::*;
use crate::runtime::bindings::linli::plugin::calendar;

fn date_arg(field: &str, value: &str) -> Result<linli_shared::calendar::Date, Error> {
    linli_shared::calendar::Date::parse(value).map_err(|e| Error::Invalid(format!("{field}: {e}")))
}

impl calendar::Host for CallState {
    fn is_working_day(&mut self, date: String) -> HostResult<bool> {
        guard!(self, Calendar);
        let cal = self.services.calendar.read().clone();
        Ok(date_arg("date", &date).and_then(|d| cal.is_working_day(d).map_err(Error::Invalid)))
    }

    fn add_working_days(&mut self, date: String, days: i32) -> HostResult<String> {
        guard!(self, Calendar);
        let cal = self.services.calendar.read().clone();
        Ok(date_arg("date", &date).and_then(|d| cal.add_working_days(d, days).map(|d| d.to_string()).map_err(Error::Invalid)))
    }

    fn working_days_between(&mut self, from: String, to: String) -> HostResult<i32> {
        guard!(self, Calendar);
        let cal = self.services.calendar.read().clone();
        Ok(date_arg("from", &from).and_then(|a| date_arg("to", &to).map(|b| (a, b))).and_then(|(a, b)| cal.working_days_between(a, b).map_err(Error::Invalid)))
    }

    fn today(&mut self) -> wasmtime::Result<String> {
        self.enter_or_trap(Capability::Calendar)?;
        Ok(linli_shared::calendar::Date::of_ms(self.services.clock.now_ms(), self.services.utc_offset_minutes).to_string())
    }
}
