"""Texts the panel shows for things the services name by code: rule errors and field labels.

Rule errors are translated by their ``code`` (the services' messages are English, for the API):
every code a service raises has an entry here, which a test checks by reading the sources.
"""

from __future__ import annotations

from roster.web.i18n import gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention: marked for extraction only
    return message


ERRORS: dict[str, str] = {
    # schema (pydantic) refusals, named as the API names them
    "required": N_("This field is required."),
    "too_short": N_("This value is too short."),
    "too_long": N_("This value is too long."),
    "too_small": N_("This value is too small."),
    "too_large": N_("This value is too large."),
    "invalid_choice": N_("Choose one of the offered values."),
    "invalid_format": N_("This value has the wrong format."),
    "invalid": N_("This value is not valid."),
    "invalid_json": N_("The request could not be read."),
    "unknown_field": N_("This field is not expected here."),
    "empty_update": N_("Nothing was changed."),
    "value_error": N_("This value is not valid."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "bool_parsing": N_("Choose yes or no."),
    "string_type": N_("This value is not valid."),
    "list_type": N_("This value is not valid."),
    "missing_argument": N_("This field is required."),
    # the user form (FCC-1..49)
    "invalid_login": N_("A login is 2-120 letters, digits and . _ @ + - characters."),
    "login_taken": N_("This login is already used."),
    "email_taken": N_("This e-mail is already used by another user."),
    "pin_not_digits": N_("The agent PIN may contain digits only."),
    "pin_too_short": N_("The agent PIN needs at least 5 digits."),
    "pin_too_long": N_("The agent PIN has at most 12 digits."),
    "pin_repeated": N_("The agent PIN cannot be one repeated digit."),
    "pin_sequential": N_("The agent PIN cannot be a run of consecutive digits (12345, 54321)."),
    "pin_required": N_("An agent PIN is required when the user must log in daily."),
    "pin_taken": N_("This agent PIN is already used in the tenant."),
    "password_too_short": N_("The password is too short for the user's strictest role: 8 "
                             "characters for an agent, 10 for a supervisor, 12 for an "
                             "administrator."),
    "password_too_long": N_("The password has at most 128 characters."),
    "password_no_upper": N_("The password needs an upper-case letter."),
    "password_no_digit": N_("The password needs a digit."),
    "password_no_special": N_("The password needs a special character."),
    "password_not_unique": N_("Choose a different password."),
    "sip_password_too_short": N_("The SIP password needs at least 10 characters."),
    "sip_password_too_long": N_("The SIP password has at most 64 characters."),
    "sip_password_invalid_chars": N_("Use printable ASCII characters without spaces."),
    "sip_password_no_lower": N_("The SIP password needs a lower-case letter."),
    "sip_password_no_upper": N_("The SIP password needs an upper-case letter."),
    "sip_password_no_digit": N_("The SIP password needs a digit."),
    "sip_password_no_special": N_("The SIP password needs a special character."),
    "sip_password_required": N_("Changing the extension needs a new SIP password."),
    "extension_required": N_("This needs an extension first (WEB-20)."),
    "extension_not_digits": N_("An extension contains digits only."),
    "extension_too_short": N_("An extension has at least 3 digits."),
    "extension_too_long": N_("An extension has at most 10 digits."),
    "extension_taken": N_("This extension is already used in the tenant."),
    "roles_empty": N_("A user needs at least one role."),
    "uc_requires_pbx": N_("The UC user role extends the PBX user role: add PBX user too."),
    "last_administrator": N_("The last active administrator of a tenant cannot be removed, "
                             "demoted or deactivated."),
    "call_fixed": N_("Calls are fixed at one at a time."),
    "invalid_number": N_("Not a valid phone number."),
    "invalid_prefix": N_("Not a prefix like +48700*."),
    "list_too_long": N_("At most 500 entries."),
    "number_not_in_pool": N_("The number must be one of the tenant's numbers (FCC-40)."),
    "number_not_free": N_("This number is not free."),
    "presentation_not_owned": N_("The presentation number must be one of the tenant's "
                                 "numbers."),
    "file_too_large": N_("The file is too large."),
    "image_too_large": N_("The image is too large."),
    "not_an_image": N_("The file is not a PNG, JPEG, GIF or WebP image."),
    "not_audio": N_("The file is not a WAV or MP3 recording."),
    # access (FCC-20..25, OKI-10/11, SIPL-10/11)
    "escalation": N_("You cannot grant what you do not hold yourself."),
    "forbidden": N_("You are not allowed to do this."),
    "role_not_held": N_("You do not hold this role."),
    "not_a_session": N_("Only a signed-in user switches role."),
    "unknown_permission": N_("Unknown permission."),
    "platform_only": N_("Only platform operators hold this permission."),
    "granted_and_revoked": N_("A permission cannot be both granted and revoked."),
    "not_tailored": N_("Individual permissions apply to supervisors and agents."),
    "not_supervisor": N_("The user is not a supervisor."),
    "one_role": N_("Choose one role."),
    "unknown_role": N_("No such role in this tenant."),
    "role_exists": N_("This role exists already."),
    "already_granted": N_("The user already has this role here."),
    "unknown_project": N_("No such project in this tenant."),
    "project_exists": N_("This project exists already."),
    "unknown_object": N_("No such object in this tenant."),
    "user_required": N_("This needs a signed-in user."),
    "token_exists": N_("An active token has this name."),
    # catalogues
    "invalid_color": N_("A colour is written #RRGGBB."),
    "group_exists": N_("This group exists already."),
    "skill_exists": N_("This skill exists already."),
    "name_taken": N_("This name is already used."),
    "unknown_group": N_("No such group in this tenant."),
    "unknown_user": N_("No such user in this tenant."),
    "unknown_skill": N_("This skill is not in the catalogue."),
    "unknown_queue": N_("No such queue in this tenant."),
    "unknown_campaign": N_("No such campaign in this tenant."),
    "already_member": N_("Already a member."),
    "duplicate_skill": N_("This skill is listed twice."),
    "level_out_of_range": N_("A skill level is 1-5."),
    "priority_out_of_range": N_("A priority is a whole number 0-100."),
    "outside_scope": N_("Only someone who sees the whole tenant changes the catalogue."),
    "number_taken": N_("This number is already in use in this installation."),
    "number_assigned": N_("The number is assigned to a user; unassign it first."),
    "device_exists": N_("The user already has this device."),
    "target_not_allowed": N_("A line device rings the user's own extension; give no number."),
    "too_many_devices": N_("A user has at most 10 devices."),
    "out_of_range": N_("Ring after 0 to 120 seconds."),
    "too_many": N_("Too many entries."),
    "invalid_ice_url": N_("An ICE server address starts with stun:, stuns:, turn: or turns:."),
    "turn_credentials_required": N_("A TURN server needs a user name and a credential."),
    "no_sip_line": N_("The user has no SIP line (extension and SIP password)."),
    # tenants (X-T1)
    "invalid_slug": N_("Use 1-63 lower-case letters, digits and inner hyphens."),
    "slug_taken": N_("This slug is already in use."),
    "invalid_domain": N_("A SIP domain is a lower-case host name such as acme.pbx.example."),
    "sip_domain_taken": N_("This SIP domain is already used by another tenant."),
    "sip_domain_in_use": N_("Users have SIP passwords for the current domain; remove them "
                            "before changing it."),
    "invalid_time_zone": N_("Use a time zone such as Europe/Warsaw."),
    "invalid_region": N_("Use a two-letter region such as PL."),
    "operator_exists": N_("An operator with this name exists."),
    # sign-in, links, paging, the rest
    "unauthorized": N_("Wrong login or password."),
    "locked": N_("Sign-in is locked for a while after failed attempts. Try again later."),
    "too_many_attempts": N_("Too many failed sign-ins from this address. Try again in a "
                            "minute."),
    "gone": N_("This link has been used or has expired."),
    "already_set": N_("The user has set a password already; use password recovery."),
    "cannot_sign_in": N_("The user cannot sign in (inactive, no panel access or a back-office "
                         "user)."),
    "invalid_cursor": N_("This page of the list no longer exists."),
    "invalid_datetime": N_("Not a valid date or time."),
    "not_found": N_("Not found."),
    "conflict": N_("The change conflicts with existing data."),
    "invalid_state": N_("This is not possible in the current state."),
    "user_inactive": N_("The user is not active."),
    "station_in_use": N_("The station is in use."),
    "station_taken": N_("The station is taken."),
    "pin_locked": N_("Too many wrong PINs. Try again later."),
    "pin_refused": N_("Wrong PIN."),
    "malformed_code": N_("Not a valid feature code."),
    "unknown_feature_code": N_("Unknown feature code."),
    "not_registered": N_("The phone is not registered."),
    "registrar_unavailable": N_("The SIP registrar is not reachable."),
    "http_error": N_("The request could not be served."),
    "method_not_allowed": N_("This action is not possible here."),
    "not_allowed": N_("This value is not allowed for this kind of device."),
    "default_device": N_("The default device uses the user's own SIP password."),
    "invalid_mac": N_("A MAC address has 12 hexadecimal digits."),
    "mac_taken": N_("A device with this MAC address exists."),
    "mac_required": N_("Only a SIP desk phone with a MAC address can be provisioned."),
    "own_line_required": N_("Only a device with its own SIP line can be provisioned."),
    "invalid_sip_address": N_("Enter a SIP address such as 100@pbx.example."),
    "too_many_callbacks": N_("Too many call-back requests. Try again later."),
    "duplicate_row": N_("This user is changed twice in one request."),
    "invalid_teams_identity": N_("Enter the Teams identity as a user name such as ann@example.com."),
    "teams_identity_required": N_("A Microsoft Teams user needs a Teams identity."),
}


def error_text(code: str, fallback: str) -> str:
    """A rule error in the visitor's language, by its code (the English message otherwise)."""
    message = ERRORS.get(code)
    return gettext(message) if message else fallback


# Field labels, in the order and words of the user form (seeds: FCC §1-6, OKI, DAK, WEB).
LABELS: dict[str, str] = {
    "full_name": N_("Full name"),
    "login": N_("Login"),
    "mobile": N_("Mobile phone"),
    "requires_daily_login": N_("Requires login"),
    "agent_pin": N_("Agent identifier (PIN)"),
    "active": N_("Active"),
    "visible": N_("Visible"),
    "panel_access": N_("Panel"),
    "mobile_app": N_("Mobile app"),
    "ms_teams": N_("MS Teams user"),
    "ms_teams_identity": N_("MS Teams identity"),
    "keep_station_on_logout": N_("Keep station on logout"),
    "language": N_("Panel language"),
    "password": N_("Panel password"),
    "password_must_change": N_("Must change the password at next sign-in"),
    "description": N_("Description"),
    "email": N_("E-mail"),
    "email_notifications": N_("E-mail notifications"),
    "ticket_update_notifications": N_("Ticket update messages"),
    "greeting": N_("Agent recording"),
    "avatar": N_("Avatar"),
    "roles": N_("Account kinds"),
    "interactions.email": N_("E-mails at once"),
    "interactions.sms": N_("SMS at once"),
    "interactions.chat": N_("Chats at once"),
    "interactions.call": N_("Calls at once"),
    "interactions.call_blocks_other": N_("A phone call blocks other interactions"),
    "did": N_("Number (DID)"),
    "external_number": N_("External number"),
    "extension": N_("Short number (extension)"),
    "sip_password": N_("SIP password"),
    "recording": N_("Recording"),
    "did_as_station": N_("Use the DID as station"),
    "presentation_number": N_("Presentation"),
    "data_transmission": N_("Data transmission (fax)"),
    "blacklist": N_("Black list"),
    "whitelist": N_("White list"),
    "emergency_location.region": N_("Region (voivodeship)"),
    "emergency_location.county": N_("County (powiat)"),
    "emergency_location.commune": N_("Commune (gmina)"),
    "contact.address": N_("Contact address"),
    "contact.phone": N_("Contact phone"),
    "communication_means": N_("Communication means"),
    "administrator": N_("Administrator"),
    "supervisor": N_("Supervisor"),
    "agent": N_("Agent"),
    "pbx_user": N_("PBX user"),
    "uc_user": N_("Focus UC user"),
    "operator": N_("Operator"),
    "web_workplace": N_("Web operator workplace"),
    "sip_phone": N_("Softphone or IP phone (SIP)"),
    "mobile_app_device": N_("Mobile app"),
    "work_number": N_("Work phone number"),
    "personal_number": N_("Personal phone number"),
    "queue": N_("Queue"),
    "campaign": N_("Campaign"),
    "name": N_("Name"),
    "color": N_("Colour"),
    "scenario": N_("Scenario"),
    "slug": N_("Slug"),
    "sip_domain": N_("SIP domain"),
    "time_zone": N_("Time zone"),
    "default_language": N_("Default language"),
    "phone_region": N_("Phone region"),
    "number": N_("Number"),
    "priority": N_("Priority"),
    "level": N_("Level"),
    "kind": N_("Kind"),
    "target": N_("Number to ring"),
    "ring_after_s": N_("Ring after (seconds)"),
    "position": N_("Position"),
    "enabled": N_("Enabled"),
    "stun_turn": N_("STUN/TURN (NAT traversal)"),
    "permissions": N_("Permissions"),
}

# Section names of the permission catalogue (SIPL-10 and the API's resources).
SECTIONS: dict[str, str] = {
    "tenants": N_("Tenants"), "users": N_("Users"), "users.access": N_("Users' access"),
    "users.sessions": N_("Users' sessions"), "profile": N_("Own profile"),
    "numbers": N_("Payment & numbers"), "skills": N_("Skills"), "groups": N_("Groups"),
    "queues": N_("Queues"), "campaigns": N_("Campaigns"), "roles": N_("Roles"),
    "projects": N_("Projects"), "api_tokens": N_("API tokens"), "contacts": N_("Contacts"),
    "audit": N_("Audit log"), "devices": N_("Devices"), "stations": N_("Stations"),
    "agent_state": N_("Agent state"), "calls": N_("Calls"), "pbx": N_("PBX & integration"),
    "payments": N_("Payments"), "statistics": N_("Statistics"),
    "analytics": N_("Business analytics"), "quality": N_("Quality assessment"),
    "settings": N_("Account settings"),
}
ACTIONS: dict[str, str] = {
    "read": N_("see"), "create": N_("create"), "update": N_("change"), "delete": N_("delete"),
    "manage": N_("manage"), "use": N_("use"), "listen": N_("listen"),
}


def section(key: str) -> str:
    """A section of the permission catalogue (SIPL-10) by its name."""
    text = SECTIONS.get(key)
    return gettext(text) if text else key


def label(key: str) -> str:
    text = LABELS.get(key) or SECTIONS.get(key) or ACTIONS.get(key)
    return gettext(text) if text else key
