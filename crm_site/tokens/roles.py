from crm_site.roles import CHAIN_ADMIN

# Everybody sees and revokes their own tokens without a permission; these let a chain
# administrator see and revoke everybody's.
ROLE_PERMISSIONS = {
    CHAIN_ADMIN: ["tokens.view_apitoken", "tokens.delete_apitoken"],
}
