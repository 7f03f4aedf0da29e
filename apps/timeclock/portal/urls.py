"""Portal pages of the time clock (/manage/attendance/clock/)."""

from django.urls import path

from . import views

app_name = "timeclock"
urlpatterns = [
    path("", views.ClockView.as_view(), name="clock"),
    path("me/", views.SelfPunchView.as_view(), name="self_punch"),
    path("kiosk/", views.KioskPunchView.as_view(), name="kiosk_punch"),
    path("punches/<int:punch>/review/", views.PunchReviewView.as_view(), name="review"),
]
