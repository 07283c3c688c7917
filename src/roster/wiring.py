"""Where the services are built: the policies and reactions each runs, and the handlers of the
outbox, in one place, for the application and the command line alike. Nothing here runs by
being imported; ``build()`` installs it all (and says so when it was forgotten: a service that
is not built refuses to run rather than skip a rule).

Reading this file tells what happens around every user write, in order.
"""

from __future__ import annotations

from roster.core import events, mail, outbox


def build() -> dict[str, outbox.Handler]:
    """Install the steps of the users and tenants services; the outbox handlers by kind."""
    from roster.domains.access import policies as access
    from roster.domains.auth import service as auth
    from roster.domains.devices import service as devices
    from roster.domains.invitations import service as invitations
    from roster.domains.projects import service as projects
    from roster.domains.sip import service as sip
    from roster.domains.stations import service as stations
    from roster.domains.tenants import service as tenants
    from roster.domains.users import service as users

    users.install(users.UserWritePipeline(
        checks=[
            access.NoEscalationThroughUserForm(),
        ],
        after_write=[
            access.LastActiveAdministrator(),
            auth.EndSessionsOnAccessLoss(),
            stations.LogOutDeactivatedAgents(),
            devices.LineDevicesFollowExtension(),
            devices.DefaultDevices(),
            invitations.InviteNewUsers(),
            sip.DropStaleRegistrations(),
            sip.FlushRoutes(),
            # Licences reconcile here, for the whole batch at once (roles, devices, channel
            # capacities of every row are written by now); a refusal (409 no_free_licence)
            # refuses the batch.
        ],
        before_delete=[
            access.NoEscalationThroughUserForm(),
            projects.RemoveMemberships(),
        ],
        after_delete=[
            access.LastActiveAdministrator(),
            sip.DropStaleRegistrations(),
            sip.FlushRoutes(),
            users.RemoveMediaFolder(),
        ],
    ))
    tenants.install(tenants.TenantPipeline(
        after_deactivate=[auth.revoke_tenant_tokens, sip.drop_tenant_registrations,
                          sip.on_routes_changed],
    ))
    # Devices tell the registrar what changed without importing it.
    events.subscribe("sip.registrations_stale", sip.on_registrations_stale)
    events.subscribe("sip.routes_changed", sip.on_routes_changed)
    return {mail.KIND: mail.deliver}
