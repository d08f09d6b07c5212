"""Settings read from the environment, with the names the deployment guides use (ARCHITECTURE.md §5)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from subgraphs.registry import SUBGRAPHS, SubgraphSpec

DEV_JWT_SECRET = "axiom-development-jwt-secret-change-me"
DEV_ENCRYPTION_KEY = "axiom-dev-encryption-key-32chars"
# Values that must never reach production: the development defaults above and well-known passwords.
KNOWN_DEFAULT_SECRETS = frozenset(
    {DEV_JWT_SECRET, DEV_ENCRYPTION_KEY, "secret", "changeme", "password", "neo4j", "postgres"}
)


class SettingsError(ValueError):
    """A setting is missing or unsafe; the message names the variable."""


def _split_origins(raw: str) -> tuple[str, ...]:
    # `*` is ignored on purpose: credentials-bearing CORS must name its origins.
    return tuple(o.strip() for o in raw.split(",") if o.strip() and o.strip() != "*")


def _flag(raw: str | None, name: str) -> bool | None:
    """An explicit on/off setting, or None when unset (then the environment decides)."""
    if raw is None or raw == "":
        return None
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false")


MIN_HS_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key of at least the hash's size


def _url_password(url: str | None) -> str | None:
    return urlsplit(url).password if url else None


@dataclass(frozen=True)
class SubgraphEndpoint:
    """Where a subgraph listens (`NAME_HOST`, `NAME_PORT`) and the URL the gateway calls it at (`NAME_URL`)."""

    name: str
    host: str
    port: int
    url: str


def subgraph_endpoints(
    env: Mapping[str, str], subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS
) -> tuple[SubgraphEndpoint, ...]:
    """Each registered subgraph's endpoint from its `NAME_HOST`, `NAME_PORT` and `NAME_URL` variables."""
    endpoints = []
    for spec in subgraphs:
        port = int(env.get(spec.port_variable) or spec.default_port)
        url = env.get(spec.url_variable) or f"http://127.0.0.1:{port}/graphql"
        endpoints.append(SubgraphEndpoint(spec.name, env.get(spec.host_variable) or "127.0.0.1", port, url))
    return tuple(endpoints)


def _default_endpoints() -> tuple[SubgraphEndpoint, ...]:
    return subgraph_endpoints({})


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    database_url: str | None = None
    weaver_database_url: str | None = None
    vision_database_url: str | None = None
    redis_url: str | None = None
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str | None = None
    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: str = "HS256"
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    encryption_key: str = DEV_ENCRYPTION_KEY
    log_level: str = "INFO"
    log_format: str = "console"
    cors_origins: tuple[str, ...] = ()
    db_pool_size: int = 5
    db_max_overflow: int = 10
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 4000
    subgraphs: tuple[SubgraphEndpoint, ...] = field(default_factory=_default_endpoints)
    vision_workers: int = 1
    vision_worker_metrics_port: int = 0
    warm_standby: bool = True  # `up` keeps a standby of each HTTP process ready to take over (axiom.standby)
    subgraph_timeout: float = 10.0
    redis_cache_ttl: int = 3600
    query_timeout: float = 30.0
    max_rows: int = 1000
    etl_sync_interval: int = 3600
    scenario_solver_timeout: float = 60.0
    causal_min_confidence: float = 0.70
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o"
    openai_base_url: str | None = None
    airflow_base_url: str | None = None
    mindsdb_url: str | None = None
    mindsdb_timeout: float = 30.0
    mindsdb_user: str | None = None
    mindsdb_password: str | None = None
    idempotency_ttl_seconds: int = 600
    sentry_dsn: str | None = None
    data_dir: str = ".axiom"
    # Limits of GraphQL requests (gateway; the body size and depth are enforced by the subgraphs too).
    max_body_bytes: int = 1 << 20
    max_document_bytes: int = 65_536
    max_tokens: int = 5_000
    max_depth: int = 15
    max_aliases: int = 100
    max_root_fields: int = 30
    max_fragment_spreads: int = 500
    max_fields: int = 2_000
    max_cost: int = 1_000
    default_list_size: int = 3
    rate_limit_per_minute: int = 600  # client operations per tenant (gateway, Vision)
    weaver_rate_limit_per_minute: int = 600  # requests per tenant (Weaver's request guard)
    rate_limit_cost_unit: int = 100  # an operation counts once per started `unit` of cost
    # Developer conveniences: on outside production, off in production unless set explicitly (None: unset).
    enable_introspection: bool | None = None
    enable_graphiql: bool | None = None
    enable_suggestions: bool | None = None
    enable_debug_plan: bool | None = None
    mask_errors: bool | None = None
    gateway_shared_secret: str | None = None
    subgraph_gateway_only: bool | None = None  # None: on in production, off elsewhere
    metrics_token: str | None = None
    gateway_multiplex_subscriptions: bool = True

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def _outside_production(self, explicit: bool | None) -> bool:
        return (not self.is_production) if explicit is None else explicit

    @property
    def introspection(self) -> bool:
        """`__schema`/`__type` answered (ENABLE_INTROSPECTION)."""
        return self._outside_production(self.enable_introspection)

    @property
    def graphiql(self) -> bool:
        """GraphiQL served to browsers (GRAPHIQL or ENABLE_GRAPHIQL)."""
        return self._outside_production(self.enable_graphiql)

    @property
    def suggestions(self) -> bool:
        """ "Did you mean …?" in validation errors (ENABLE_SUGGESTIONS)."""
        return self._outside_production(self.enable_suggestions)

    @property
    def debug_plan(self) -> bool:
        """The gateway honours `X-Axiom-Debug-Plan` (ENABLE_DEBUG_PLAN)."""
        return self._outside_production(self.enable_debug_plan)

    @property
    def masks_errors(self) -> bool:
        """Messages of unexpected errors replaced by a generic one, codes kept (MASK_ERRORS); on in production."""
        return self.is_production if self.mask_errors is None else self.mask_errors

    @property
    def gateway_signing_secret(self) -> str | None:
        """The key of the gateway's request signatures: GATEWAY_SHARED_SECRET, else an HS* JWT secret."""
        if self.gateway_shared_secret:
            return self.gateway_shared_secret
        return self.jwt_secret if self.jwt_algorithm.upper().startswith("HS") else None

    @property
    def gateway_only(self) -> bool:
        """Whether subgraphs refuse calls that do not carry the gateway's signature (SUBGRAPH_GATEWAY_ONLY)."""
        return self.is_production if self.subgraph_gateway_only is None else self.subgraph_gateway_only

    def endpoint(self, subgraph: str) -> SubgraphEndpoint:
        """Where the subgraph `subgraph` listens and is called."""
        for endpoint in self.subgraphs:
            if endpoint.name == subgraph:
                return endpoint
        raise KeyError(f"no subgraph {subgraph!r} in the settings")

    def subgraph_url(self, subgraph: str) -> str:
        """The URL the subgraph is called at (NAME_URL)."""
        return self.endpoint(subgraph).url

    def with_subgraph_urls(self, **urls: str) -> Settings:
        """These settings with subgraphs called at other URLs (a name not yet known is added, listening on the
        URL's host and port)."""
        endpoints = {e.name: e for e in self.subgraphs}
        for name, url in urls.items():
            parts = urlsplit(url)
            known = endpoints.get(name) or SubgraphEndpoint(name, parts.hostname or "127.0.0.1", parts.port or 80, url)
            endpoints[name] = SubgraphEndpoint(name, known.host, known.port, url)
        return self.replace(subgraphs=tuple(endpoints.values()))

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS
    ) -> Settings:
        """Build settings from environment variables (both seeds' names are accepted)."""
        e = os.environ if env is None else env

        def get(*names: str, default: Any = None) -> Any:
            for name in names:
                value = e.get(name)
                if value not in (None, ""):
                    return value
            return default

        settings = cls(
            app_env=get("APP_ENV", default="development"),
            database_url=get("DATABASE_URL", "POSTGRES_DSN"),
            weaver_database_url=get("WEAVER_DATABASE_URL"),
            vision_database_url=get("VISION_DATABASE_URL"),
            redis_url=get("REDIS_URL"),
            neo4j_uri=get("NEO4J_URI"),
            neo4j_user=get("NEO4J_USER", default="neo4j"),
            neo4j_password=get("NEO4J_PASSWORD", default=""),
            neo4j_database=get("NEO4J_DATABASE"),
            jwt_secret=get("JWT_SECRET", "JWT_SECRET_KEY", default=DEV_JWT_SECRET),
            jwt_algorithm=get("JWT_ALGORITHM", default="HS256"),
            jwt_issuer=get("JWT_ISSUER"),
            jwt_audience=get("JWT_AUDIENCE"),
            encryption_key=get("ENCRYPTION_KEY", default=DEV_ENCRYPTION_KEY),
            log_level=get("LOG_LEVEL", default="INFO").upper(),
            log_format=get("LOG_FORMAT", default="console"),
            cors_origins=_split_origins(get("CORS_ORIGINS", "WEAVER_CORS_ALLOWED_ORIGINS", default="")),
            db_pool_size=int(get("DB_POOL_SIZE", default=5)),
            db_max_overflow=int(get("DB_MAX_OVERFLOW", default=10)),
            gateway_host=get("GATEWAY_HOST", default="127.0.0.1"),
            gateway_port=int(get("GATEWAY_PORT", default=4000)),
            subgraphs=subgraph_endpoints(e, subgraphs),
            vision_workers=int(get("VISION_WORKERS", default=1)),
            vision_worker_metrics_port=int(get("VISION_WORKER_METRICS_PORT", default=0)),
            warm_standby=_flag(get("AXIOM_WARM_STANDBY"), "AXIOM_WARM_STANDBY") is not False,
            subgraph_timeout=float(get("SUBGRAPH_TIMEOUT", default=10.0)),
            redis_cache_ttl=int(get("REDIS_CACHE_TTL", default=3600)),
            query_timeout=float(get("QUERY_TIMEOUT", default=30)),
            max_rows=int(get("MAX_ROWS", default=1000)),
            etl_sync_interval=int(get("ETL_SYNC_INTERVAL", default=3600)),
            scenario_solver_timeout=float(get("SCENARIO_SOLVER_TIMEOUT", default=60)),
            causal_min_confidence=float(get("CAUSAL_MIN_CONFIDENCE", default=0.70)),
            openai_api_key=get("OPENAI_API_KEY"),
            openai_model=get("OPENAI_MODEL", default="gpt-4o"),
            openai_base_url=get("OPENAI_BASE_URL"),
            airflow_base_url=get("AIRFLOW_BASE_URL"),
            mindsdb_url=get("MINDSDB_URL"),
            mindsdb_timeout=float(get("MINDSDB_TIMEOUT", default=30)),
            mindsdb_user=get("MINDSDB_USER"),
            mindsdb_password=get("MINDSDB_PASSWORD"),
            idempotency_ttl_seconds=int(get("WEAVER_REQUEST_GUARD_IDEMPOTENCY_TTL_SECONDS", default=600)),
            sentry_dsn=get("SENTRY_DSN"),
            data_dir=get("AXIOM_DATA_DIR", default=".axiom"),
            max_body_bytes=int(get("GRAPHQL_MAX_BODY_BYTES", default=1 << 20)),
            max_document_bytes=int(get("GRAPHQL_MAX_DOCUMENT_BYTES", default=65_536)),
            max_tokens=int(get("GRAPHQL_MAX_TOKENS", default=5_000)),
            max_depth=int(get("GRAPHQL_MAX_DEPTH", default=15)),
            max_aliases=int(get("GRAPHQL_MAX_ALIASES", default=100)),
            max_root_fields=int(get("GRAPHQL_MAX_ROOT_FIELDS", default=30)),
            max_fragment_spreads=int(get("GRAPHQL_MAX_FRAGMENT_SPREADS", default=500)),
            max_fields=int(get("GRAPHQL_MAX_FIELDS", default=2_000)),
            max_cost=int(get("GRAPHQL_MAX_COST", default=1_000)),
            default_list_size=int(get("GRAPHQL_DEFAULT_LIST_SIZE", default=3)),
            rate_limit_per_minute=int(get("RATE_LIMIT_PER_MINUTE", default=600)),
            rate_limit_cost_unit=int(get("RATE_LIMIT_COST_UNIT", default=100)),
            weaver_rate_limit_per_minute=int(get("WEAVER_RATE_LIMIT_PER_MINUTE", default=600)),
            enable_introspection=_flag(get("ENABLE_INTROSPECTION"), "ENABLE_INTROSPECTION"),
            enable_graphiql=_flag(get("GRAPHIQL", "ENABLE_GRAPHIQL"), "GRAPHIQL (or ENABLE_GRAPHIQL)"),
            enable_suggestions=_flag(get("ENABLE_SUGGESTIONS"), "ENABLE_SUGGESTIONS"),
            enable_debug_plan=_flag(get("ENABLE_DEBUG_PLAN"), "ENABLE_DEBUG_PLAN"),
            mask_errors=_flag(get("MASK_ERRORS"), "MASK_ERRORS"),
            gateway_shared_secret=get("GATEWAY_SHARED_SECRET"),
            subgraph_gateway_only=_flag(get("SUBGRAPH_GATEWAY_ONLY"), "SUBGRAPH_GATEWAY_ONLY"),
            metrics_token=get("METRICS_TOKEN"),
            gateway_multiplex_subscriptions=_flag(
                get("GATEWAY_MULTIPLEX_SUBSCRIPTIONS"), "GATEWAY_MULTIPLEX_SUBSCRIPTIONS"
            )
            is not False,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse unsafe combinations; in production, refuse missing secrets and default passwords."""
        if self.log_format not in ("json", "console"):
            raise SettingsError("LOG_FORMAT must be 'json' or 'console'")
        if len(self.encryption_key) != 32:
            raise SettingsError("ENCRYPTION_KEY must be exactly 32 characters")
        if self.gateway_only and not self.gateway_signing_secret:
            raise SettingsError("SUBGRAPH_GATEWAY_ONLY needs GATEWAY_SHARED_SECRET (or an HS* JWT_SECRET)")
        if not 0 < self.scenario_solver_timeout <= 3600:
            raise SettingsError("SCENARIO_SOLVER_TIMEOUT must be between 0 and 3600 seconds")
        if not 0 <= self.causal_min_confidence <= 1:
            raise SettingsError("CAUSAL_MIN_CONFIDENCE must be between 0 and 1")
        if not self.is_production:
            return
        required = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "NEO4J_URI": self.neo4j_uri,
            "NEO4J_PASSWORD": self.neo4j_password,
            "METRICS_TOKEN": self.metrics_token,
            "GATEWAY_SHARED_SECRET": self.gateway_shared_secret,
        }
        for name, value in required.items():
            if not value:
                raise SettingsError(f"{name} is required when APP_ENV=production")
        secrets = {
            "JWT_SECRET": self.jwt_secret,
            "ENCRYPTION_KEY": self.encryption_key,
            "NEO4J_PASSWORD": self.neo4j_password,
            "DATABASE_URL": _url_password(self.database_url),
            "REDIS_URL": _url_password(self.redis_url),
            "WEAVER_DATABASE_URL": _url_password(self.database_url_for("weaver")),
            "VISION_DATABASE_URL": _url_password(self.database_url_for("vision")),
        }
        for name, value in secrets.items():
            if value in KNOWN_DEFAULT_SECRETS:
                raise SettingsError(f"{name} uses a default value; set a real secret when APP_ENV=production")
        if len((self.gateway_shared_secret or "").encode()) < 32 or self.gateway_shared_secret == self.jwt_secret:
            raise SettingsError(
                "GATEWAY_SHARED_SECRET must be at least 32 bytes and differ from JWT_SECRET when APP_ENV=production"
            )
        if self.jwt_algorithm.upper().startswith("HS") and len(self.jwt_secret.encode()) < MIN_HS_SECRET_BYTES:
            raise SettingsError(
                f"JWT_SECRET must be at least {MIN_HS_SECRET_BYTES} bytes for "
                f"{self.jwt_algorithm} when APP_ENV=production"
            )
        if len(set(self.encryption_key)) < 8:
            raise SettingsError(
                "ENCRYPTION_KEY must be 32 random characters (it repeats too few) when APP_ENV=production"
            )

    def database_url_for(self, subgraph: str) -> str | None:
        """The URL a subgraph connects with: WEAVER_DATABASE_URL / VISION_DATABASE_URL, else DATABASE_URL with
        the user `axiom_<subgraph>` (same password). DATABASE_URL itself stays the migrations' (admin) URL."""
        explicit: str | None = getattr(self, f"{subgraph}_database_url")
        if explicit or not self.database_url:
            return explicit
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).set(username=f"axiom_{subgraph}").render_as_string(hide_password=False)

    def replace(self, **changes: Any) -> Settings:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


# Prefixes of Axiom's own variables: a variable with one of them that no setting reads is a typo or a leftover.
# (REDIS_, OPENAI_, AIRFLOW_… are shared with other software and its own variables, so they are not judged.)
OWN_PREFIXES = ("AXIOM_", "GATEWAY_", "GRAPHQL_", "SUBGRAPH_", "JWT_", "MINDSDB_", "NEO4J_")
# `axiom up` reports the environment once and sets REPORTED_VARIABLE for the processes it starts.
REPORTED_VARIABLE = "AXIOM_ENVIRONMENT_REPORTED"
TOOLING_VARIABLES = frozenset({"AXIOM_AIRFLOW_CACHE", REPORTED_VARIABLE})  # not settings of an Axiom process

log = logging.getLogger("axiom.settings")


class _LookupRecorder(Mapping[str, str]):
    """An environment that remembers which names were looked up."""

    def __init__(self, env: Mapping[str, str]):
        self._env = env
        self.looked_up: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.looked_up.add(name)
        return self._env[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._env)

    def __len__(self) -> int:
        return len(self._env)


@dataclass(frozen=True)
class EnvironmentReport:
    unknown: tuple[str, ...]  # an own prefix, but no setting has this name (a typo?)
    unused: tuple[str, ...]  # a setting's name, but another name of the same setting wins (e.g. POSTGRES_DSN)

    def warning(self) -> str | None:
        parts = []
        if self.unknown:
            parts.append(f"unknown settings (ignored): {', '.join(self.unknown)}")
        if self.unused:
            parts.append(f"unused settings (another name of the same setting is set): {', '.join(self.unused)}")
        return "; ".join(parts) or None


def known_variables(subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS) -> frozenset[str]:
    """Every variable a setting reads: the names `Settings.from_env` itself looks up in an empty environment
    (where no name shadows its aliases), so the list cannot drift from the settings."""
    every = _LookupRecorder({})
    Settings.from_env(every, subgraphs=subgraphs)
    return frozenset(every.looked_up)


def environment_report(
    env: Mapping[str, str] | None = None, subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS
) -> EnvironmentReport:
    """Which variables of `env` no setting reads: unknown ones (with an Axiom prefix), and set ones that
    `Settings.from_env` does not look up in `env` because another name of the same setting won."""
    env = os.environ if env is None else env
    known = known_variables(subgraphs)
    used = _LookupRecorder(env)
    try:
        Settings.from_env(used, subgraphs=subgraphs)
    except SettingsError:  # start-up reports that itself; the names are what matters here
        used.looked_up = set(known)
    prefixes = OWN_PREFIXES + tuple(f"{spec.variable_prefix}_" for spec in subgraphs)
    set_names = sorted(name for name, value in env.items() if value)
    unknown = tuple(n for n in set_names if n.startswith(prefixes) and n not in known and n not in TOOLING_VARIABLES)
    unused = tuple(n for n in set_names if n in known and n not in used.looked_up)
    return EnvironmentReport(unknown, unused)


def warn_about_environment(env: Mapping[str, str] | None = None) -> EnvironmentReport | None:
    """Log one warning naming the variables no setting reads (at start-up of `up`, `serve` and `worker`; not
    again in the processes `up` starts)."""
    env = os.environ if env is None else env
    if env.get(REPORTED_VARIABLE):
        return None
    report = environment_report(env)
    message = report.warning()
    if message:
        log.warning(message)
    return report
