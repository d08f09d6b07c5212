-- A small sample enterprise schema: regions, customers, products, calendar dates, orders and order lines.
-- Deterministic (setseed), created once; `axiom up` keeps it between runs.
CREATE SCHEMA IF NOT EXISTS sales;
COMMENT ON SCHEMA sales IS 'Demo OLTP data: a small retail company';

CREATE TABLE sales.regions (
    region_id integer PRIMARY KEY,
    region_name text NOT NULL UNIQUE,
    country text NOT NULL
);
COMMENT ON TABLE sales.regions IS 'Sales regions';

CREATE TABLE sales.customers (
    customer_id integer PRIMARY KEY,
    customer_name text NOT NULL,
    segment text NOT NULL,
    region_id integer NOT NULL REFERENCES sales.regions (region_id),
    created_at date NOT NULL DEFAULT CURRENT_DATE
);
COMMENT ON TABLE sales.customers IS 'Customers, each in one region';
COMMENT ON COLUMN sales.customers.segment IS 'Consumer, Corporate or Small Business';

CREATE TABLE sales.products (
    product_id integer PRIMARY KEY,
    product_name text NOT NULL,
    category text NOT NULL,
    unit_price numeric(10, 2) NOT NULL CHECK (unit_price > 0)
);
COMMENT ON TABLE sales.products IS 'Products for sale';

CREATE TABLE sales.dates (
    date_id integer PRIMARY KEY,
    calendar_date date NOT NULL UNIQUE,
    year integer NOT NULL,
    quarter integer NOT NULL,
    month integer NOT NULL,
    month_name text NOT NULL
);
COMMENT ON TABLE sales.dates IS 'Calendar dimension, one row per day';

CREATE TABLE sales.orders (
    order_id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES sales.customers (customer_id),
    date_id integer NOT NULL REFERENCES sales.dates (date_id),
    status text NOT NULL DEFAULT 'completed'
);
COMMENT ON TABLE sales.orders IS 'Customer orders';

CREATE TABLE sales.order_lines (
    order_id integer NOT NULL REFERENCES sales.orders (order_id),
    line_no integer NOT NULL,
    product_id integer NOT NULL REFERENCES sales.products (product_id),
    quantity integer NOT NULL CHECK (quantity > 0),
    amount numeric(12, 2) NOT NULL,
    discount numeric(12, 2),
    PRIMARY KEY (order_id, line_no)
);
COMMENT ON TABLE sales.order_lines IS 'Order lines: the sales fact table';
COMMENT ON COLUMN sales.order_lines.amount IS 'Net amount of the line in EUR';

CREATE VIEW sales.order_totals AS
    SELECT o.order_id, o.customer_id, sum(l.amount) AS total_amount
    FROM sales.orders o JOIN sales.order_lines l USING (order_id)
    GROUP BY o.order_id, o.customer_id;
COMMENT ON VIEW sales.order_totals IS 'Total amount per order';

SELECT setseed(0.42);

INSERT INTO sales.regions VALUES
    (1, 'North', 'DE'), (2, 'South', 'DE'), (3, 'East', 'PL'), (4, 'West', 'FR'), (5, 'Central', 'AT');

INSERT INTO sales.customers (customer_id, customer_name, segment, region_id, created_at)
SELECT i, 'Customer ' || lpad(i::text, 3, '0'),
       (ARRAY['Consumer', 'Corporate', 'Small Business'])[1 + (i % 3)],
       1 + (i % 5), DATE '2023-01-01' + (i % 365)
FROM generate_series(1, 200) AS i;

INSERT INTO sales.products (product_id, product_name, category, unit_price)
SELECT i, 'Product ' || lpad(i::text, 2, '0'),
       (ARRAY['Hardware', 'Software', 'Services', 'Accessories'])[1 + (i % 4)],
       round((5 + (i * 37 % 200))::numeric, 2)
FROM generate_series(1, 40) AS i;

INSERT INTO sales.dates (date_id, calendar_date, year, quarter, month, month_name)
SELECT to_char(d, 'YYYYMMDD')::integer, d, extract(year FROM d), extract(quarter FROM d), extract(month FROM d),
       to_char(d, 'Mon')
FROM generate_series(DATE '2024-01-01', DATE '2025-12-31', INTERVAL '1 day') AS g(d);

INSERT INTO sales.orders (order_id, customer_id, date_id, status)
SELECT i, 1 + floor(random() * 200)::int,
       to_char(DATE '2024-01-01' + floor(random() * 731)::int, 'YYYYMMDD')::integer,
       CASE WHEN random() < 0.95 THEN 'completed' ELSE 'cancelled' END
FROM generate_series(1, 2000) AS i;

INSERT INTO sales.order_lines (order_id, line_no, product_id, quantity, amount, discount)
SELECT l.order_id, l.line_no, p.product_id, l.quantity, round(p.unit_price * l.quantity, 2),
       CASE WHEN l.discounted THEN round(p.unit_price * l.quantity * 0.1, 2) END
FROM (
    SELECT o.order_id, n AS line_no, 1 + floor(random() * 40)::int AS product_id,
           1 + floor(random() * 9)::int AS quantity, random() < 0.2 AS discounted
    FROM sales.orders o CROSS JOIN LATERAL generate_series(1, 1 + (o.order_id % 4)) AS n
) AS l
JOIN sales.products p ON p.product_id = l.product_id;
