-- Read models of money: wallets, their transactions, activities, and the aggregates the dashboards
-- read (so that no request sums every transaction). All maintained by projections, exactly once
-- per event through their checkpoints.

-- projection "wallets"
CREATE TABLE wallets (
  user_id    uuid        PRIMARY KEY,
  tenant_id  uuid        NOT NULL,
  balance    bigint      NOT NULL CHECK (balance >= 0),
  currency   text        NOT NULL,
  version    bigint      NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX wallets_tenant ON wallets (tenant_id);

CREATE TABLE wallet_transactions (
  id            uuid        PRIMARY KEY,
  tenant_id     uuid        NOT NULL,
  user_id       uuid        NOT NULL,
  seq           bigint      NOT NULL,  -- the wallet's version after it: the order within a wallet
  type          text        NOT NULL CHECK (type IN ('credit', 'debit')),
  amount        bigint      NOT NULL CHECK (amount > 0),
  balance_after bigint      NOT NULL CHECK (balance_after >= 0),
  currency      text        NOT NULL,
  reference     text,
  description   text,
  activity_id   uuid,
  created_at    timestamptz NOT NULL,
  UNIQUE (user_id, seq)
);

-- Per tenant: total_balance = credited - debited at every commit (money conservation).
CREATE TABLE wallet_totals (
  tenant_id     uuid    PRIMARY KEY,
  currency      text    NOT NULL,
  total_balance numeric NOT NULL DEFAULT 0,
  credited      numeric NOT NULL DEFAULT 0,
  debited       numeric NOT NULL DEFAULT 0,
  credits       bigint  NOT NULL DEFAULT 0,
  debits        bigint  NOT NULL DEFAULT 0,
  CHECK (total_balance = credited - debited)
);

-- Revenue (the sum of debits) per tenant and UTC day; months and years add up days.
CREATE TABLE revenue_daily (
  tenant_id uuid    NOT NULL,
  day       date    NOT NULL,
  currency  text    NOT NULL,
  amount    numeric NOT NULL,
  count     bigint  NOT NULL,
  PRIMARY KEY (tenant_id, day)
);

-- projection "activities"
CREATE TABLE activities (
  id              uuid        PRIMARY KEY,
  tenant_id       uuid        NOT NULL,
  user_id         uuid        NOT NULL,
  charged_user_id uuid        NOT NULL,
  type            text        NOT NULL,
  cost            bigint      NOT NULL,
  currency        text        NOT NULL,
  transaction_id  uuid,
  created_at      timestamptz NOT NULL
);
CREATE INDEX activities_tenant ON activities (tenant_id, id DESC);
CREATE INDEX activities_user ON activities (tenant_id, user_id, id DESC);

CREATE TABLE activity_counts (
  tenant_id uuid   NOT NULL,
  type      text   NOT NULL,
  count     bigint NOT NULL,
  PRIMARY KEY (tenant_id, type)
);

-- projection "users": counts for the dashboard, started from the rows it already has.
CREATE TABLE user_counts (
  tenant_id uuid   NOT NULL,
  status    text   NOT NULL,
  count     bigint NOT NULL,
  PRIMARY KEY (tenant_id, status)
);
INSERT INTO user_counts SELECT tenant_id, status, count(*) FROM users GROUP BY tenant_id, status;

CREATE TABLE role_counts (
  tenant_id uuid   NOT NULL,
  role      text   NOT NULL,
  count     bigint NOT NULL,
  PRIMARY KEY (tenant_id, role)
);
INSERT INTO role_counts SELECT tenant_id, role, count(*) FROM user_roles GROUP BY tenant_id, role;
