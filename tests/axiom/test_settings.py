import pytest

from axiom.settings import DEV_JWT_SECRET, REPORTED_VARIABLE, Settings, SettingsError, warn_about_environment

PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://axiom:s3cr3t-db@db:5432/axiom",
    "REDIS_URL": "redis://redis:6379/0",
    "NEO4J_URI": "bolt://neo4j:7687",
    "NEO4J_PASSWORD": "a-real-graph-password",
    "JWT_SECRET": "a-real-jwt-secret-of-some-length",
    "ENCRYPTION_KEY": "0123456789abcdef0123456789abcdef",
    "GATEWAY_SHARED_SECRET": "a-gateway-secret-of-at-least-32-bytes",
    "METRICS_TOKEN": "a-metrics-token",
}


def test_development_defaults_start_without_any_variable():
    settings = Settings.from_env({})
    assert settings.endpoint("vision").port == 8400 and settings.endpoint("weaver").port == 8001
    assert settings.gateway_port == 4000
    assert settings.max_rows == 1000 and settings.query_timeout == 30


def test_production_starts_with_every_secret_set():
    assert Settings.from_env(PRODUCTION).is_production


@pytest.mark.parametrize(
    "missing", ["DATABASE_URL", "REDIS_URL", "NEO4J_URI", "NEO4J_PASSWORD", "GATEWAY_SHARED_SECRET", "METRICS_TOKEN"]
)
def test_production_refuses_a_missing_setting_and_names_it(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        Settings.from_env(env)


@pytest.mark.parametrize(
    "variable,value",
    [
        ("JWT_SECRET", DEV_JWT_SECRET),
        ("NEO4J_PASSWORD", "neo4j"),
        ("DATABASE_URL", "postgresql://postgres:postgres@db:5432/axiom"),
    ],
)
def test_production_refuses_default_secrets_and_names_them(variable, value):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({**PRODUCTION, variable: value})


def test_encryption_key_must_be_32_characters():
    with pytest.raises(SettingsError, match="ENCRYPTION_KEY"):
        Settings.from_env({"ENCRYPTION_KEY": "short"})


def test_weaver_seed_names_are_accepted_and_wildcard_origin_is_ignored():
    settings = Settings.from_env(
        {
            "JWT_SECRET_KEY": "from-weaver-seed",
            "POSTGRES_DSN": "postgresql://x@h/db",
            "WEAVER_CORS_ALLOWED_ORIGINS": "https://a.example, *,https://b.example",
        }
    )
    assert settings.jwt_secret == "from-weaver-seed"
    assert settings.database_url == "postgresql://x@h/db"
    assert settings.cors_origins == ("https://a.example", "https://b.example")


def test_production_refuses_a_jwt_secret_shorter_than_32_bytes():
    with pytest.raises(SettingsError, match="JWT_SECRET must be at least 32 bytes"):
        Settings.from_env({**PRODUCTION, "JWT_SECRET": "x"})
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        Settings.from_env({**PRODUCTION, "JWT_SECRET": "a" * 31})


def test_production_refuses_an_encryption_key_of_few_distinct_characters():
    with pytest.raises(SettingsError, match="ENCRYPTION_KEY"):
        Settings.from_env({**PRODUCTION, "ENCRYPTION_KEY": "ab" * 16})


def test_production_turns_developer_conveniences_off_and_masks_errors():
    settings = Settings.from_env(PRODUCTION)
    assert not (settings.introspection or settings.graphiql or settings.suggestions or settings.debug_plan)
    assert settings.masks_errors
    development = Settings.from_env({})
    assert development.introspection and development.graphiql and development.suggestions
    assert development.debug_plan and not development.masks_errors


def test_production_conveniences_can_be_enabled_explicitly():
    settings = Settings.from_env(
        {
            **PRODUCTION,
            "ENABLE_INTROSPECTION": "true",
            "ENABLE_GRAPHIQL": "1",
            "ENABLE_SUGGESTIONS": "yes",
            "ENABLE_DEBUG_PLAN": "on",
            "MASK_ERRORS": "false",
        }
    )
    assert settings.introspection and settings.graphiql and settings.suggestions and settings.debug_plan
    assert not settings.masks_errors
    with pytest.raises(SettingsError, match="ENABLE_GRAPHIQL"):
        Settings.from_env({"ENABLE_GRAPHIQL": "maybe"})


def test_subgraphs_trust_only_the_gateway_in_production_and_anyone_in_development():
    assert Settings.from_env(PRODUCTION).gateway_only
    assert not Settings.from_env({}).gateway_only
    assert Settings.from_env({"SUBGRAPH_GATEWAY_ONLY": "true"}).gateway_only
    assert not Settings.from_env({**PRODUCTION, "SUBGRAPH_GATEWAY_ONLY": "false"}).gateway_only


@pytest.mark.parametrize("value", ["short", PRODUCTION["JWT_SECRET"]])
def test_production_refuses_a_weak_gateway_secret_or_the_jwt_secret_again(value):
    with pytest.raises(SettingsError, match="GATEWAY_SHARED_SECRET"):
        Settings.from_env({**PRODUCTION, "GATEWAY_SHARED_SECRET": value})


def test_gateway_only_subgraphs_need_a_shared_secret():
    with pytest.raises(SettingsError, match="GATEWAY_SHARED_SECRET"):
        Settings.from_env({"SUBGRAPH_GATEWAY_ONLY": "true", "JWT_ALGORITHM": "RS256"})


def test_unknown_and_unused_variables_are_named_in_one_warning_at_start_up(caplog):
    env = {
        "VISION_WORKRES": "2",  # a typo of VISION_WORKERS
        "GRAPHQL_MAX_DEPHT": "9",  # a typo of GRAPHQL_MAX_DEPTH
        "DATABASE_URL": "postgresql://axiom@db/axiom",
        "POSTGRES_DSN": "postgresql://old@db/old",  # the other name of DATABASE_URL: ignored while that is set
        "GRAPHQL_MAX_DEPTH": "9",
        "WEAVER_PORT": "8002",
        "REDIS_HOST": "cache",  # not an Axiom prefix: other software's business
    }
    with caplog.at_level("WARNING", logger="axiom.settings"):
        report = warn_about_environment(env)
    assert report.unknown == ("GRAPHQL_MAX_DEPHT", "VISION_WORKRES")
    assert report.unused == ("POSTGRES_DSN",)
    [record] = caplog.records
    assert "VISION_WORKRES" in record.message and "GRAPHQL_MAX_DEPHT" in record.message
    assert "POSTGRES_DSN" in record.message and "WEAVER_PORT" not in record.message


def test_a_clean_environment_and_the_processes_up_starts_report_nothing(caplog):
    with caplog.at_level("WARNING", logger="axiom.settings"):
        assert (
            warn_about_environment({"DATABASE_URL": "postgresql://axiom@db/axiom", "VISION_WORKERS": "2"}).warning()
            is None
        )
        assert warn_about_environment({"VISION_WORKRES": "2", REPORTED_VARIABLE: "1"}) is None
    assert caplog.records == []
