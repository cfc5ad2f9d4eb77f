"""The demo database: a retail business generated deterministically from a seed.

Same seed and scale give byte-identical data. Rows are generated in Python
(random.Random(seed)) and loaded with COPY; keys, constraints and indexes are
added after loading, then ANALYZE, and the database comment that marks the
demo as complete is written last, so a half-built database never looks done.
Row counts at scale 1.0: ~5k customers, ~30k orders, ~80k order items. The
data is consistent (order totals equal their items minus discount, shipments
only for shipped orders, returns only for returned ones) and skewed (a few
customers and products account for much of the revenue), so wrong SQL gives
visibly wrong answers.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import psycopg2
import psycopg2.extensions

from engine.errors import DatabaseError

DEMO_VERSION = 1
DEFAULT_SEED = 42
START = datetime(2024, 1, 1, tzinfo=timezone.utc)
DAYS = 731  # 2024-01-01 .. 2025-12-31

FIRST = "Olivia Liam Emma Noah Ava Oliver Sophia Elijah Isabella James Mia William Amelia Benjamin Harper Lucas Evelyn Henry Abigail Theodore Emily Jack Ella Levi Elizabeth Alexander Camila Jackson Luna Mateo Sofia Daniel Avery Michael Mila Mason Aria Sebastian Scarlett Ethan Penelope Logan Layla Owen Chloe Samuel Victoria Jacob Madison Asher Eleanor Aiden Grace John Nora Joseph Riley Wyatt Zoey David Hannah Leo Hazel Luke Lily Julian Ellie Hudson Violet Grayson Lillian Matthew Zoe Ezra Stella Gabriel Aurora Carter Natalie Isaac Emilia Jayden Everly Luca Leah Anthony Aubrey Dylan Willow Lincoln Addison".split()
LAST = "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster".split()
CITIES = [("Seattle", "US"), ("Portland", "US"), ("Austin", "US"), ("Chicago", "US"), ("Boston", "US"), ("Denver", "US"), ("Miami", "US"), ("New York", "US"), ("San Diego", "US"), ("Atlanta", "US"), ("Toronto", "CA"), ("Vancouver", "CA"), ("Montreal", "CA"), ("London", "GB"), ("Manchester", "GB"), ("Dublin", "IE"), ("Berlin", "DE"), ("Munich", "DE"), ("Paris", "FR"), ("Lyon", "FR"), ("Madrid", "ES"), ("Amsterdam", "NL")]
STREETS = "Oak Maple Pine Cedar Elm Main Park Lake Hill River Church Market Mill Spring Forest Sunset Meadow Highland Union Bridge".split()
CATEGORY_TREE = {
    "Electronics": ["Phones", "Laptops", "Audio", "Cameras", "Accessories"],
    "Home": ["Kitchen", "Furniture", "Bedding", "Lighting"],
    "Outdoors": ["Camping", "Cycling", "Garden"],
    "Clothing": ["Men", "Women", "Kids", "Shoes"],
    "Toys": ["Board Games", "Puzzles", "Building Sets"],
    "Grocery": ["Coffee", "Tea", "Snacks"],
}
ADJECTIVES = "Classic Smart Ultra Compact Deluxe Eco Pro Mini Premium Essential Urban Rugged Silent Bright Cozy Swift".split()
NOUNS = {
    "Phones": "Phone Smartphone Handset", "Laptops": "Laptop Notebook Ultrabook", "Audio": "Headphones Speaker Earbuds Soundbar",
    "Cameras": "Camera Action-Cam Lens", "Accessories": "Charger Cable Case Stand", "Kitchen": "Blender Kettle Toaster Pan",
    "Furniture": "Chair Desk Shelf Sofa", "Bedding": "Pillow Duvet Sheet-Set Blanket", "Lighting": "Lamp Bulb Lantern",
    "Camping": "Tent Sleeping-Bag Stove Backpack", "Cycling": "Helmet Bike-Light Pump Lock", "Garden": "Hose Shovel Planter Rake",
    "Men": "Jacket Shirt Jeans Sweater", "Women": "Dress Blouse Coat Skirt", "Kids": "Hoodie T-Shirt Pajamas", "Shoes": "Sneakers Boots Sandals",
    "Board Games": "Strategy-Game Party-Game Chess-Set", "Puzzles": "Jigsaw Puzzle-Box Brain-Teaser", "Building Sets": "Brick-Set Castle-Kit Robot-Kit",
    "Coffee": "Espresso-Beans Ground-Coffee Cold-Brew", "Tea": "Green-Tea Black-Tea Herbal-Tea", "Snacks": "Trail-Mix Granola Chips",
}
PRICE_RANGE = {"Electronics": (25, 1800), "Home": (12, 900), "Outdoors": (10, 600), "Clothing": (8, 250), "Toys": (6, 150), "Grocery": (3, 40)}
SUPPLIERS = "Acme Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent Hooli Vandelay Monarch Oscorp Aperture Massive Dynamic Gringotts Duff Nakatomi Zorg Virtucon Genco Prestige Sirius".split()

SCHEMA_SQL = """
CREATE TABLE stores (store_id integer, name text NOT NULL, city text NOT NULL, country text NOT NULL, store_type text NOT NULL, opened_on date NOT NULL);
CREATE TABLE employees (employee_id integer, store_id integer NOT NULL, manager_id integer, first_name text NOT NULL, last_name text NOT NULL, role text NOT NULL, hired_on date NOT NULL, hourly_wage numeric(8,2) NOT NULL);
CREATE TABLE customers (customer_id integer, first_name text NOT NULL, last_name text NOT NULL, email text NOT NULL, phone text, loyalty_tier text NOT NULL, home_store_id integer, created_at timestamptz NOT NULL);
CREATE TABLE addresses (address_id integer, customer_id integer NOT NULL, kind text NOT NULL, street text NOT NULL, city text NOT NULL, postal_code text NOT NULL, country text NOT NULL, is_default boolean NOT NULL);
CREATE TABLE product_categories (category_id integer, name text NOT NULL, parent_id integer);
CREATE TABLE suppliers (supplier_id integer, name text NOT NULL, country text NOT NULL, contact_email text NOT NULL);
CREATE TABLE products (product_id integer, sku text NOT NULL, name text NOT NULL, category_id integer NOT NULL, supplier_id integer NOT NULL, unit_price numeric(12,2) NOT NULL, unit_cost numeric(12,2) NOT NULL, is_active boolean NOT NULL, launched_on date NOT NULL);
CREATE TABLE orders (order_id integer, customer_id integer NOT NULL, store_id integer NOT NULL, employee_id integer, channel text NOT NULL, status text NOT NULL, ordered_at timestamptz NOT NULL, shipping_address_id integer, discount_amount numeric(12,2) NOT NULL, total_amount numeric(12,2) NOT NULL);
CREATE TABLE order_items (order_item_id integer, order_id integer NOT NULL, product_id integer NOT NULL, quantity integer NOT NULL, unit_price numeric(12,2) NOT NULL, line_total numeric(12,2) NOT NULL);
CREATE TABLE payments (payment_id integer, order_id integer NOT NULL, method text NOT NULL, status text NOT NULL, amount numeric(12,2) NOT NULL, paid_at timestamptz NOT NULL);
CREATE TABLE shipments (shipment_id integer, order_id integer NOT NULL, carrier text NOT NULL, tracking_number text NOT NULL, shipped_at timestamptz NOT NULL, delivered_at timestamptz);
CREATE TABLE returns (return_id integer, order_id integer NOT NULL, order_item_id integer NOT NULL, reason text NOT NULL, refund_amount numeric(12,2) NOT NULL, returned_at timestamptz NOT NULL);
CREATE TABLE reviews (review_id integer, product_id integer NOT NULL, customer_id integer NOT NULL, rating integer NOT NULL, title text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE inventory (store_id integer NOT NULL, product_id integer NOT NULL, quantity_on_hand integer NOT NULL, reorder_level integer NOT NULL, updated_at timestamptz NOT NULL);
"""

CONSTRAINTS_SQL = """
ALTER TABLE stores ADD PRIMARY KEY (store_id), ADD CHECK (store_type IN ('flagship','mall','outlet','online'));
ALTER TABLE employees ADD PRIMARY KEY (employee_id), ADD CHECK (role IN ('store_manager','sales_associate','cashier','stock_clerk'));
ALTER TABLE customers ADD PRIMARY KEY (customer_id), ADD UNIQUE (email), ADD CHECK (loyalty_tier IN ('bronze','silver','gold','platinum'));
ALTER TABLE addresses ADD PRIMARY KEY (address_id), ADD CHECK (kind IN ('shipping','billing'));
ALTER TABLE product_categories ADD PRIMARY KEY (category_id);
ALTER TABLE suppliers ADD PRIMARY KEY (supplier_id);
ALTER TABLE products ADD PRIMARY KEY (product_id), ADD UNIQUE (sku), ADD CHECK (unit_price >= 0 AND unit_cost >= 0);
ALTER TABLE orders ADD PRIMARY KEY (order_id), ADD CHECK (status IN ('pending','paid','shipped','delivered','cancelled','returned')), ADD CHECK (channel IN ('in_store','online'));
ALTER TABLE order_items ADD PRIMARY KEY (order_item_id), ADD CHECK (quantity > 0);
ALTER TABLE payments ADD PRIMARY KEY (payment_id), ADD CHECK (method IN ('card','paypal','gift_card','bank_transfer','cash')), ADD CHECK (status IN ('captured','refunded','failed'));
ALTER TABLE shipments ADD PRIMARY KEY (shipment_id), ADD CHECK (carrier IN ('ups','fedex','dhl','usps'));
ALTER TABLE returns ADD PRIMARY KEY (return_id), ADD CHECK (reason IN ('damaged','wrong_item','too_small','too_large','not_as_described','changed_mind'));
ALTER TABLE reviews ADD PRIMARY KEY (review_id), ADD CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE inventory ADD PRIMARY KEY (store_id, product_id);
ALTER TABLE employees ADD FOREIGN KEY (store_id) REFERENCES stores, ADD FOREIGN KEY (manager_id) REFERENCES employees;
ALTER TABLE customers ADD FOREIGN KEY (home_store_id) REFERENCES stores;
ALTER TABLE addresses ADD FOREIGN KEY (customer_id) REFERENCES customers;
ALTER TABLE product_categories ADD FOREIGN KEY (parent_id) REFERENCES product_categories;
ALTER TABLE products ADD FOREIGN KEY (category_id) REFERENCES product_categories, ADD FOREIGN KEY (supplier_id) REFERENCES suppliers;
ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers, ADD FOREIGN KEY (store_id) REFERENCES stores, ADD FOREIGN KEY (employee_id) REFERENCES employees, ADD FOREIGN KEY (shipping_address_id) REFERENCES addresses;
ALTER TABLE order_items ADD FOREIGN KEY (order_id) REFERENCES orders, ADD FOREIGN KEY (product_id) REFERENCES products;
ALTER TABLE payments ADD FOREIGN KEY (order_id) REFERENCES orders;
ALTER TABLE shipments ADD FOREIGN KEY (order_id) REFERENCES orders;
ALTER TABLE returns ADD FOREIGN KEY (order_id) REFERENCES orders, ADD FOREIGN KEY (order_item_id) REFERENCES order_items;
ALTER TABLE reviews ADD FOREIGN KEY (product_id) REFERENCES products, ADD FOREIGN KEY (customer_id) REFERENCES customers;
ALTER TABLE inventory ADD FOREIGN KEY (store_id) REFERENCES stores, ADD FOREIGN KEY (product_id) REFERENCES products;
CREATE INDEX ON orders (customer_id); CREATE INDEX ON orders (ordered_at); CREATE INDEX ON order_items (order_id); CREATE INDEX ON order_items (product_id);
CREATE INDEX ON payments (order_id); CREATE INDEX ON shipments (order_id); CREATE INDEX ON reviews (product_id);
"""

COMMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "stores": ("Physical shops and the online store", {"store_id": "store identifier", "name": "store name", "city": "city the store is in", "country": "ISO 3166 country code", "store_type": "flagship, mall, outlet or online", "opened_on": "date the store opened"}),
    "employees": ("Staff working at stores", {"store_id": "store the employee works at", "manager_id": "the employee's manager (another employee); NULL for store managers", "role": "store_manager, sales_associate, cashier or stock_clerk", "hired_on": "hire date", "hourly_wage": "wage in USD per hour"}),
    "customers": ("People who have an account with the shop", {"email": "login email, unique", "phone": "phone number, may be NULL", "loyalty_tier": "bronze, silver, gold or platinum", "home_store_id": "the store the customer shops at most", "created_at": "when the account was created"}),
    "addresses": ("Customer shipping and billing addresses", {"customer_id": "customer the address belongs to", "kind": "shipping or billing", "postal_code": "postal or ZIP code", "country": "ISO 3166 country code", "is_default": "true for the customer's default address of this kind"}),
    "product_categories": ("Product category tree: top-level categories have parent_id NULL", {"name": "category name", "parent_id": "parent category; NULL for top-level categories"}),
    "suppliers": ("Companies that supply products", {"name": "supplier company name", "country": "ISO 3166 country code", "contact_email": "contact address"}),
    "products": ("Items the shop sells", {"sku": "stock keeping unit, unique", "name": "product name", "category_id": "the product's (sub)category", "supplier_id": "who supplies it", "unit_price": "current list price in USD", "unit_cost": "what one unit costs the shop in USD", "is_active": "false for discontinued products", "launched_on": "date the product was first sold"}),
    "orders": ("Customer orders, in store or online; revenue is total_amount of orders that were not cancelled", {"customer_id": "who placed the order", "store_id": "store that sold it (the online store for online orders)", "employee_id": "sales employee for in-store orders; NULL online", "channel": "in_store or online", "status": "pending, paid, shipped, delivered, cancelled or returned", "ordered_at": "when the order was placed", "shipping_address_id": "delivery address for online orders; NULL in store", "discount_amount": "discount given on the order in USD", "total_amount": "amount charged in USD: sum of line totals minus discount"}),
    "order_items": ("Lines of an order: one product with a quantity", {"order_id": "the order", "product_id": "the product", "quantity": "units ordered", "unit_price": "price per unit in USD at the time of the order", "line_total": "quantity * unit_price in USD"}),
    "payments": ("Payments for orders", {"order_id": "the order paid", "method": "card, paypal, gift_card, bank_transfer or cash", "status": "captured, refunded or failed", "amount": "amount in USD", "paid_at": "when the payment was made"}),
    "shipments": ("Deliveries of shipped online orders", {"order_id": "the order shipped", "carrier": "ups, fedex, dhl or usps", "tracking_number": "carrier tracking number", "shipped_at": "when it left the warehouse", "delivered_at": "when it arrived; NULL while in transit"}),
    "returns": ("Items customers sent back; the order's status is returned", {"order_id": "the order", "order_item_id": "the order line returned", "reason": "damaged, wrong_item, too_small, too_large, not_as_described or changed_mind", "refund_amount": "refunded in USD", "returned_at": "when the return was received"}),
    "reviews": ("Product ratings written by customers", {"product_id": "product reviewed", "customer_id": "author", "rating": "1 (worst) to 5 (best) stars", "title": "review headline", "created_at": "when the review was written"}),
    "inventory": ("Units of each product in stock at each store", {"store_id": "the store", "product_id": "the product", "quantity_on_hand": "units in stock now", "reorder_level": "restock when quantity_on_hand falls below this", "updated_at": "last stock count"}),
}


def marker(seed: int, scale: float) -> str:
    return f"decide-sql demo v{DEMO_VERSION} seed={seed} scale={scale}"


def _url_for(admin_url: str, dbname: str) -> str:
    """The URL of database ``dbname`` on the same server as ``admin_url``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def demo_marker(url: str) -> str | None:
    """The completion marker of the demo database at ``url`` (None when absent or unreachable)."""
    try:
        conn = psycopg2.connect(url, connect_timeout=5)
    except psycopg2.Error:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
            row = cur.fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def create_demo(admin_url: str, dbname: str = "demo", *, scale: float = 1.0, seed: int = DEFAULT_SEED, progress: Callable[[str], None] | None = None) -> str:
    """(Re)create database ``dbname`` with the demo data; return its URL."""
    say = progress or (lambda _m: None)
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{dbname}"')
    except psycopg2.Error as exc:
        raise DatabaseError(f"cannot create demo database {dbname}: {str(exc).strip().splitlines()[0]}; check disk space and permissions", code="embedded_unavailable") from None
    finally:
        admin.close()
    url = _url_for(admin_url, dbname)
    conn = psycopg2.connect(url)
    try:
        say(f"generating demo data (scale {scale}, seed {seed})")
        tables = generate(scale=scale, seed=seed)
        with conn.cursor() as cur:
            cur.execute(SCHEMA_SQL)
            for name, rows in tables.items():
                cur.copy_expert(f"COPY {name} FROM STDIN", _copy_buffer(rows))
            say("adding keys, constraints and comments")
            cur.execute(CONSTRAINTS_SQL)
            cur.execute(_comments_sql(cur))
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
            cur.execute(f"COMMENT ON DATABASE \"{dbname}\" IS %s", (marker(seed, scale),))  # last: marks it complete
    finally:
        conn.close()
    say(f"demo database ready: {sum(len(r) for r in tables.values()):,} rows in {len(tables)} tables")
    return url


def _comments_sql(cur: psycopg2.extensions.cursor) -> str:
    parts = []
    for table, (comment, columns) in COMMENTS.items():
        parts.append(cur.mogrify(f"COMMENT ON TABLE {table} IS %s;", (comment,)).decode())
        for column, text in columns.items():
            parts.append(cur.mogrify(f"COMMENT ON COLUMN {table}.{column} IS %s;", (text,)).decode())
    return "\n".join(parts)


def _copy_buffer(rows: Iterable[tuple[object, ...]]) -> io.StringIO:
    out = io.StringIO()
    for row in rows:
        out.write("\t".join("\\N" if v is None else (("t" if v else "f") if isinstance(v, bool) else str(v)) for v in row))
        out.write("\n")
    out.seek(0)
    return out


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def _moment(rng: random.Random) -> datetime:
    """A timestamp in 2024-2025, busier in November and December, during shop hours."""
    while True:
        day = rng.randrange(DAYS)
        when = START + timedelta(days=day)
        if when.month in (11, 12) or rng.random() < 0.72:
            return when + timedelta(seconds=rng.randrange(8 * 3600, 22 * 3600))


def generate(*, scale: float = 1.0, seed: int = DEFAULT_SEED) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in load order; pure and deterministic."""
    rng = random.Random(seed)
    n = lambda base: max(1, int(round(base * scale)))  # noqa: E731
    t: dict[str, list[tuple[object, ...]]] = {}

    stores = []
    for i in range(1, max(4, n(20)) + 1):
        city, country = CITIES[(i - 1) % len(CITIES)]
        kind = "online" if i == 1 else rng.choice(["flagship", "mall", "mall", "outlet"])
        name = "Online Store" if i == 1 else f"{city} {kind.title()} {i}"
        stores.append((i, name, "Seattle" if i == 1 else city, "US" if i == 1 else country, kind, date(2015, 1, 1) + timedelta(days=rng.randrange(3000))))
    t["stores"] = stores
    store_ids = [s[0] for s in stores]
    physical = store_ids[1:]

    employees, managers = [], {}
    eid = 0
    for sid in store_ids:
        eid += 1
        managers[sid] = eid
        employees.append((eid, sid, None, rng.choice(FIRST), rng.choice(LAST), "store_manager", date(2018, 1, 1) + timedelta(days=rng.randrange(2000)), _money(rng.uniform(28, 45))))
        for _ in range(rng.randint(8, 18)):
            eid += 1
            role = rng.choice(["sales_associate", "sales_associate", "cashier", "stock_clerk"])
            employees.append((eid, sid, managers[sid], rng.choice(FIRST), rng.choice(LAST), role, date(2019, 1, 1) + timedelta(days=rng.randrange(2300)), _money(rng.uniform(15, 26))))
    t["employees"] = employees
    staff_by_store = {sid: [e[0] for e in employees if e[1] == sid and e[5] != "stock_clerk"] for sid in store_ids}

    customers, addresses = [], []
    aid = 0
    shipping_of: dict[int, int] = {}
    for cid in range(1, n(5000) + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        tier = rng.choices(["bronze", "silver", "gold", "platinum"], [60, 25, 11, 4])[0]
        created = START - timedelta(days=rng.randrange(900)) + timedelta(days=rng.randrange(DAYS))
        phone = None if rng.random() < 0.2 else f"+1-555-{rng.randrange(1000, 9999)}"
        customers.append((cid, first, last, f"{first.lower()}.{last.lower()}.{cid}@example.com", phone, tier, rng.choice(physical), created.replace(hour=rng.randrange(24))))
        city, country = rng.choice(CITIES)
        for kind in ("shipping", "billing") if rng.random() < 0.5 else ("shipping",):
            aid += 1
            addresses.append((aid, cid, kind, f"{rng.randrange(1, 999)} {rng.choice(STREETS)} Street", city, f"{rng.randrange(10000, 99999)}", country, True))
            if kind == "shipping":
                shipping_of[cid] = aid
    t["customers"], t["addresses"] = customers, addresses

    categories, leaf_parent = [], {}
    cid_ = 0
    for top, subs in CATEGORY_TREE.items():
        cid_ += 1
        top_id = cid_
        categories.append((top_id, top, None))
        for sub in subs:
            cid_ += 1
            categories.append((cid_, sub, top_id))
            leaf_parent[cid_] = (sub, top)
    t["product_categories"] = categories
    t["suppliers"] = [(i, f"{name} {rng.choice(['Trading', 'Supply', 'Goods', 'Industries'])}", rng.choice(CITIES)[1], f"sales@{name.lower()}.example.com") for i, name in enumerate(SUPPLIERS, 1)]

    products = []
    leaves = list(leaf_parent)
    for pid in range(1, n(400) + 1):
        leaf = leaves[(pid - 1) % len(leaves)] if pid <= len(leaves) else rng.choice(leaves)
        sub, top = leaf_parent[leaf]
        lo, hi = PRICE_RANGE[top]
        price = _money(lo * (hi / lo) ** rng.random())
        products.append((pid, f"SKU-{pid:05d}", f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS[sub].split()).replace('-', ' ')} {pid}", leaf, rng.randrange(1, len(SUPPLIERS) + 1), price, _money(float(price) * rng.uniform(0.45, 0.75)), rng.random() > 0.08, date(2022, 1, 1) + timedelta(days=rng.randrange(1200))))
    t["products"] = products
    product_weights = [1 / (rank ** 0.9) for rank in range(1, len(products) + 1)]
    rng.shuffle(product_weights)
    customer_weights = [rng.paretovariate(1.6) for _ in customers]

    orders, items, payments, shipments, returns = [], [], [], [], []
    item_id = pay_id = ship_id = ret_id = 0
    order_customers = rng.choices(range(1, len(customers) + 1), customer_weights, k=n(30000))
    moments = sorted(_moment(rng) for _ in order_customers)
    end = START + timedelta(days=DAYS)
    for oid, (cust, when) in enumerate(zip(order_customers, moments), 1):
        online = rng.random() < 0.45
        store = 1 if online else rng.choice(physical)
        age_days = (end - when).days
        if age_days < 3:
            status = rng.choices(["pending", "paid"], [2, 3])[0]
        elif online and age_days < 10:
            status = rng.choices(["paid", "shipped", "cancelled"], [2, 6, 1])[0]
        else:
            status = rng.choices(["delivered", "cancelled", "returned"], [88, 7, 5])[0]
        if not online and status in ("shipped",):
            status = "delivered"
        lines = []
        for pid in set(rng.choices(range(1, len(products) + 1), product_weights, k=rng.choices([1, 2, 3, 4, 5], [35, 30, 18, 10, 7])[0])):
            qty = rng.choices([1, 2, 3, 4], [70, 18, 8, 4])[0]
            unit = products[pid - 1][5]
            item_id += 1
            lines.append((item_id, oid, pid, qty, unit, unit * qty))
        subtotal = sum(line[5] for line in lines)
        discount = _money(float(subtotal) * rng.choice([0, 0, 0, 0.05, 0.1, 0.15])) if rng.random() < 0.3 else Decimal("0.00")
        total = subtotal - discount
        employee = None if online else rng.choice(staff_by_store[store])
        orders.append((oid, cust, store, employee, "online" if online else "in_store", status, when.isoformat(), shipping_of.get(cust) if online else None, discount, total))
        items.extend(lines)
        if status != "pending" and not (status == "cancelled" and rng.random() < 0.5):
            pay_id += 1
            method = rng.choices(["card", "paypal", "gift_card", "bank_transfer"] if online else ["card", "cash", "gift_card"], [60, 25, 8, 7] if online else [70, 22, 8])[0]
            pay_status = "refunded" if status in ("cancelled", "returned") else "captured"
            payments.append((pay_id, oid, method, pay_status, total, (when + timedelta(minutes=rng.randrange(1, 90))).isoformat()))
        if online and status in ("shipped", "delivered", "returned"):
            ship_id += 1
            shipped = when + timedelta(hours=rng.randrange(6, 72))
            delivered = None if status == "shipped" else shipped + timedelta(hours=rng.randrange(20, 140))
            shipments.append((ship_id, oid, rng.choice(["ups", "fedex", "dhl", "usps"]), f"TRK{oid:08d}{rng.randrange(100, 999)}", shipped.isoformat(), delivered.isoformat() if delivered else None))
        if status == "returned":
            line = rng.choice(lines)
            ret_id += 1
            returns.append((ret_id, oid, line[0], rng.choice(["damaged", "wrong_item", "too_small", "too_large", "not_as_described", "changed_mind"]), line[5], (when + timedelta(days=rng.randrange(5, 30))).isoformat()))
    t.update(orders=orders, order_items=items, payments=payments, shipments=shipments, returns=returns)

    reviews, seen = [], set()
    titles = {1: "Very disappointed", 2: "Not great", 3: "It is okay", 4: "Pretty good", 5: "Love it"}
    for line in rng.sample(items, min(len(items), n(4000))):
        order = orders[line[1] - 1]
        key = (line[2], order[1])
        if key in seen or order[5] in ("pending", "cancelled"):
            continue
        seen.add(key)
        rating = rng.choices([1, 2, 3, 4, 5], [6, 8, 16, 32, 38] if products[line[2] - 1][7] else [25, 25, 25, 15, 10])[0]
        reviews.append((len(reviews) + 1, line[2], order[1], rating, titles[rating], (datetime.fromisoformat(order[6]) + timedelta(days=rng.randrange(3, 40))).isoformat()))
    t["reviews"] = reviews
    t["inventory"] = [(s, p[0], rng.randrange(0, 120), rng.choice([5, 10, 15, 20]), (end - timedelta(days=rng.randrange(1, 20))).isoformat()) for s in store_ids for p in products]
    return t
