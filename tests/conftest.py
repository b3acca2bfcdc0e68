"""Shared fixtures: a small provisioned region and staff users of two kelurahan."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from kelurahan import pagecache, roles
from kelurahan.models import City, Kelurahan
from kelurahan.services import region_provision, staff_account_create
from kelurahan.tenancy import unscoped
from tests.redis_server import BlackHole, RedisServer

# The `postgresql` marker's hooks; pytester, for the test that runs them in a pytest of its own.
pytest_plugins = ["tests.postgresql_only", "pytester"]

PASSWORD = "a-Strong-test-password-1"


@pytest.fixture(autouse=True)
def _tenant_scope_for_test_code():
    """Test code reads any kelurahan's rows to set up and assert (as pretix's tests disable
    django-scopes); every request through the test client still starts closed
    (TenancyMiddleware), so a view's unscoped query fails its test."""
    with unscoped("test setup and assertions"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached page (rate-limit counters are database rows, which the
    test's transaction takes away), nor any copy in this process's memory."""
    cache.clear()
    pagecache.local.clear()
    yield
    cache.clear()
    pagecache.local.clear()


@pytest.fixture
def kecamatan_laweyan(db):
    """Kecamatan Laweyan of Kota Surakarta (11 kelurahan), provisioned from the real codes."""
    region_provision(codes=["33.72.01"])
    laweyan = Kelurahan.objects.filter(kecamatan__code="33.72.01")
    laweyan.update(is_active=True)  # live sites; a freshly provisioned one is not yet active
    return laweyan


@pytest.fixture
def kelurahan_a(kecamatan_laweyan):
    return Kelurahan.objects.get(code="33.72.01.1001")  # Pajang


@pytest.fixture
def kelurahan_b(kecamatan_laweyan):
    return Kelurahan.objects.get(code="33.72.01.1002")  # Laweyan


@pytest.fixture
def make_staff(db):
    def make(username, role, kelurahan=None, cities=()):
        return staff_account_create(
            username=username, password=PASSWORD, role=role, kelurahan=kelurahan, cities=cities
        )

    return make


def surakarta() -> City:
    """Kota Surakarta's row, as provisioning makes it (provisioning its kecamatan later finds
    it by its code), so a Diskominfo account can work for it before anything is provisioned."""
    city, _created = City.objects.get_or_create(
        code="33.72",
        defaults={
            "name": "Kota Surakarta",
            "province_name": "Jawa Tengah",
            "slug": "kota-surakarta",
            "is_kota": True,
        },
    )
    return city


@pytest.fixture
def operator_a(make_staff, kelurahan_a):
    return make_staff("operator.a", roles.OPERATOR, kelurahan_a)


@pytest.fixture
def operator_b(make_staff, kelurahan_b):
    return make_staff("operator.b", roles.OPERATOR, kelurahan_b)


@pytest.fixture
def diskominfo(make_staff):
    """Diskominfo of Kota Surakarta (the city of every fixture kelurahan)."""
    return make_staff("diskominfo", roles.DISKOMINFO, cities=[surakarta()])


@pytest.fixture
def as_operator_a(client, operator_a):
    """The test client, logged in as kelurahan A's operator."""
    client.force_login(operator_a)
    return client


@pytest.fixture
def as_operator_b(client, operator_b):
    client.force_login(operator_b)
    return client


@pytest.fixture
def as_diskominfo(client, diskominfo):
    """The test client, logged in as Diskominfo of Kota Surakarta (every kelurahan of it)."""
    client.force_login(diskominfo)
    return client


@pytest.fixture
def demo_city(db):
    """The demo's Kota Surakarta alone: a portal serving one city."""
    call_command("demo_setup", "--one-city", verbosity=0)
    return Kelurahan.objects.filter(kecamatan__city__code="33.72")


@pytest.fixture
def demo_cities(db):
    """The whole demo, as `make run` has it: Kota Surakarta and part of Kabupaten Sukoharjo."""
    call_command("demo_setup", verbosity=0)
    return Kelurahan.objects.filter(kecamatan__city__code__in=("33.72", "33.11"))


@pytest.fixture(scope="session", autouse=True)
def _close_database_pools(django_db_setup, django_db_blocker):
    """Close psycopg's connection pool (PostgreSQL) before the test database is dropped: the
    pool keeps connections open for the whole process (also those made by live-server threads),
    and PostgreSQL refuses to drop a database that has sessions."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            if hasattr(connection, "close_pool"):
                connection.close_pool()


@pytest.fixture
def redis_server():
    """A Redis of the test's own (tests/redis_server.py): stop, freeze and thaw it at will."""
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def stopped_redis(redis_server):
    """A Redis address where nothing listens any more: connections are refused."""
    redis_server.stop()
    return redis_server


@pytest.fixture
def black_hole():
    """An address that accepts connections and never answers."""
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    """Background tasks run in the test's process once its transaction commits (as on SQLite);
    the tests of the real Procrastinate worker (tests/kelurahan/test_background.py) turn it off."""
    settings.TASKS_INLINE = True
