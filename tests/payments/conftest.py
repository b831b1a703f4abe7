import pytest


@pytest.fixture
def sandbox(live_server, settings):
    """Point the SDK (and the emulator's webhooks) at the live test server, over real HTTP."""
    settings.RAZORPAY_API_BASE = f"{live_server.url}/sandbox/razorpay"
    settings.RAZORPAY_CHECKOUT_JS = f"{live_server.url}/sandbox/razorpay/checkout.js"
    settings.RAZORPAY_SANDBOX_WEBHOOK_URL = f"{live_server.url}/api/v1/payments/webhook"
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def sdk(sandbox, settings):
    import razorpay
    return razorpay.Client(auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET),
                           base_url=f"{sandbox.url}/sandbox/razorpay")
