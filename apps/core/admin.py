from django.conf import settings
from django.contrib import admin

admin.site.site_header = settings.PRODUCT_NAME
admin.site.site_title = settings.PRODUCT_NAME
admin.site.index_title = "Platform administration"
