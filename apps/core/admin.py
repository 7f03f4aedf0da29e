from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin

admin.site.site_header = settings.PRODUCT_NAME
admin.site.site_title = settings.PRODUCT_NAME
admin.site.index_title = "Platform administration"

# The admin login goes through allauth (and so through its MFA stage): no bypass with a password.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
