-- The mode of the key that made a subscription decides where it may deliver (live: public https only;
-- test: loopback too), at creation and again at each delivery.
ALTER TABLE webhooks ADD COLUMN mode TEXT NOT NULL DEFAULT 'test' CHECK (mode IN ('test', 'live'));
