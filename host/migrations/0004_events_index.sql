-- Events are read by id only (resuming streams); the (topic, id) index cost
-- a page write on every publish and was never used.
DROP INDEX IF EXISTS events_topic;
