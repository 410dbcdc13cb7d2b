from crm_site.roles import CHAIN_ADMIN

# The run table and reruns are for chain administrators only.
ROLE_PERMISSIONS = {
    CHAIN_ADMIN: ["nightly.view_nightlyrun", "nightly.view_nightlystep", "nightly.add_nightlyrun"],
}
