"""Payments: the gateway (Razorpay, or its built-in emulator in development and tests), the emulator's
switches, reconciliation and refunds, the platform's fee, and the business that issues receipts."""
from __future__ import annotations

from decimal import Decimal

from serene.settings.base import DEBUG, SITE_URL
from serene.settings.email import BRAND_NAME
from serene.settings.env import env, refuse_to_start

PAYMENTS_SANDBOX = env.bool("PAYMENTS_SANDBOX", DEBUG)
PAYMENT_GATEWAY = "serene.payments.razorpay.RazorpayGateway"
_sandbox_base = f"{SITE_URL}/sandbox/razorpay"
RAZORPAY_KEY_ID = env.str("RAZORPAY_KEY_ID", "rzp_test_SereneSandbox1" if PAYMENTS_SANDBOX else "")
RAZORPAY_KEY_SECRET = env.str("RAZORPAY_KEY_SECRET", "sandbox-key-secret" if PAYMENTS_SANDBOX else "")
RAZORPAY_WEBHOOK_SECRET = env.str("RAZORPAY_WEBHOOK_SECRET", "sandbox-webhook-secret" if PAYMENTS_SANDBOX else "")
RAZORPAY_API_BASE = env.str("RAZORPAY_API_BASE", _sandbox_base if PAYMENTS_SANDBOX else "https://api.razorpay.com")
RAZORPAY_CHECKOUT_JS = env.str("RAZORPAY_CHECKOUT_JS", f"{_sandbox_base}/checkout.js" if PAYMENTS_SANDBOX
                               else "https://checkout.razorpay.com/v1/checkout.js")
RAZORPAY_TIMEOUT_SECONDS = env.int("RAZORPAY_TIMEOUT_SECONDS", 10)
if not DEBUG:
    # The emulator takes any card and signs its own webhooks: outside debug it runs only when asked
    # for twice (benchmarks and the test suite do). A live key pair without the webhook secret would
    # leave every webhook unverifiable, so it is refused here rather than at the first payment.
    if PAYMENTS_SANDBOX and not env.bool("PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION", False):
        refuse_to_start("PAYMENTS_SANDBOX is on and DEBUG is off.",
                        "The Razorpay emulator accepts any test card, so no real money would be taken.\n"
                        "Set PAYMENTS_SANDBOX=false and the live RAZORPAY_* keys, or, for a benchmark or a\n"
                        "demo that must run without debug, also set PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION=true.")
    _razorpay = {"RAZORPAY_KEY_ID": RAZORPAY_KEY_ID, "RAZORPAY_KEY_SECRET": RAZORPAY_KEY_SECRET,
                 "RAZORPAY_WEBHOOK_SECRET": RAZORPAY_WEBHOOK_SECRET}
    _missing = [name for name, value in _razorpay.items() if not value]
    if _missing and len(_missing) < len(_razorpay):
        refuse_to_start(f"{' and '.join(_missing)} {'is' if len(_missing) == 1 else 'are'} not set, "
                        "but the other Razorpay settings are.",
                        "Payments need the key id, the key secret (Dashboard -> API keys) and the webhook\n"
                        "secret (Dashboard -> Webhooks; not the key secret). Without the webhook secret no\n"
                        "webhook can be verified. Set all three, or none to run without payments.")

# --- The emulator's switches --------------------------------------------------------------------
# So tests can prove the webhook handling: where webhooks go, and whether they are sent at all,
# dropped, duplicated, reordered or delayed.
RAZORPAY_SANDBOX_WEBHOOK_URL = env.str("RAZORPAY_SANDBOX_WEBHOOK_URL", f"{SITE_URL}/api/v1/payments/webhook")
RAZORPAY_SANDBOX_WEBHOOKS_SEND = env.bool("RAZORPAY_SANDBOX_WEBHOOKS_SEND", True)
RAZORPAY_SANDBOX_WEBHOOK_DROP = env.bool("RAZORPAY_SANDBOX_WEBHOOK_DROP", False)
RAZORPAY_SANDBOX_WEBHOOK_DUPLICATE = env.bool("RAZORPAY_SANDBOX_WEBHOOK_DUPLICATE", False)
RAZORPAY_SANDBOX_WEBHOOK_REORDER = env.bool("RAZORPAY_SANDBOX_WEBHOOK_REORDER", False)
RAZORPAY_SANDBOX_WEBHOOK_DELAY_SECONDS = env.int("RAZORPAY_SANDBOX_WEBHOOK_DELAY_SECONDS", 0)
RAZORPAY_SANDBOX_WEBHOOK_MAX_ATTEMPTS = env.int("RAZORPAY_SANDBOX_WEBHOOK_MAX_ATTEMPTS", 5)
# Every refund fails (refund.failed). To fail only some, see /sandbox/razorpay/simulate/.
RAZORPAY_SANDBOX_REFUNDS_FAIL = env.bool("RAZORPAY_SANDBOX_REFUNDS_FAIL", False)

# --- Reconciliation and refunds -----------------------------------------------------------------
# Reconciliation asks the gateway about an order this long after its hold expires.
RECONCILE_AFTER_HOLD_SECONDS = env.int("RECONCILE_AFTER_HOLD_SECONDS", 60)
# The sweep asks the gateway about an unpaid order for this long after its hold ended.
OPEN_ORDER_SWEEP_HOURS = env.int("OPEN_ORDER_SWEEP_HOURS", 24)
# The sweep re-drives a stored webhook event still unhandled this long after it arrived.
WEBHOOK_REDRIVE_AFTER_SECONDS = env.int("WEBHOOK_REDRIVE_AFTER_SECONDS", 120)
# A refund the gateway fails is asked for again, up to this many attempts; then staff are flagged.
REFUND_ATTEMPTS = env.int("REFUND_ATTEMPTS", 3)

# --- The fee and receipts -----------------------------------------------------------------------
# Serene's share of each session's price, in percent (decimals allowed: 12.5); the expert's
# earnings page shows gross, this fee (rounded half up to a whole paisa per session) and net.
PLATFORM_FEE_PERCENT = env.percent("PLATFORM_FEE_PERCENT", Decimal("15"))
# Receipts name the business, its address and tax number. Prices are tax-inclusive: the receipt
# shows the tax contained in the price at TAX_RATE_PERCENT. In debug the demo values below stand in;
# outside debug the name defaults to the brand and the address and tax number must be set.
BUSINESS_NAME = env.str("BUSINESS_NAME", "Serene Wellbeing Private Limited" if DEBUG else BRAND_NAME)
BUSINESS_ADDRESS = env.str("BUSINESS_ADDRESS",
                           "2nd floor, 14 Residency Road, Bengaluru 560025, Karnataka, India" if DEBUG else "")
BUSINESS_TAX_ID = env.str("BUSINESS_TAX_ID", "29AAACS0000A1Z5 (demo)" if DEBUG else "")
TAX_RATE_PERCENT = env.percent("TAX_RATE_PERCENT", Decimal("18"))
