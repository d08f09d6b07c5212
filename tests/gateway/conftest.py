"""Shop subgraphs served on loopback, and a gateway client in front of them."""

from __future__ import annotations

import pytest
from gateway_testkit.client import GatewayClient
from gateway_testkit.servers import RunningServer, strawberry_app, supergraph_with_urls
from gateway_testkit.subgraphs import accounts, inventory, products, reviews

from gateway import create_gateway_app

SHOP = {"products": products, "reviews": reviews, "accounts": accounts, "inventory": inventory}


@pytest.fixture(scope="session")
async def shop_urls():
    servers = {name: await RunningServer(strawberry_app(m.schema)).start() for name, m in SHOP.items()}
    yield {name: server.url for name, server in servers.items()}
    for server in servers.values():
        await server.stop()


@pytest.fixture(scope="session")
def shop_sdl(shop_urls) -> str:
    return supergraph_with_urls("shop.graphql", shop_urls)


@pytest.fixture(scope="session")
async def shop(shop_sdl):
    client = GatewayClient(create_gateway_app(shop_sdl))
    yield client
    await client.close()


@pytest.fixture(autouse=True)
def fresh_shop_data():
    products.reset()
    reviews.reset()
