"""The portal home page's blocks: what needs the person's attention, one block per app.

Each app declares `PortalHomeBlock(name, template, context, order, admin_only)` in its contributions.py
and keeps the context function beside its portal views; the portal only assembles them, so it imports
no app for this. A block whose context is None is not shown; one that fails is logged and left out
(one app's block must not take the home page down).
"""

import logging
from typing import Any

from django.http import HttpRequest

from apps.accounts.access import is_tenant_admin
from apps.core.contributions import PortalHomeBlock, contributions, resolve

logger = logging.getLogger(__name__)


def home_blocks(request: HttpRequest) -> list[dict[str, Any]]:
    """The blocks this person sees, in `order`: [{"name", "template", "context"}]."""
    admin = is_tenant_admin(request)
    blocks = []
    for block in contributions(PortalHomeBlock):
        if block.admin_only and not admin:
            continue
        try:
            context = resolve(block.context)(request)
        except Exception:
            logger.exception("Portal home block %s failed", block.name)
            continue
        if context is not None:
            blocks.append({"name": block.name, "template": block.template, "context": context})
    return blocks
