from django.urls import path

from shifts import views

urlpatterns = [
    path("", views.CalendarView.as_view(), name="shifts-calendar"),
    path("calendar/<int:year>-<int:month>.csv", views.CalendarCsvView.as_view(), name="shifts-calendar-csv"),
    path("mine/", views.MyShiftsView.as_view(), name="shifts-mine"),
    path("on-duty/", views.OnDutyFragmentView.as_view(), name="shifts-on-duty-fragment"),
    path("swaps/<int:pk>/<slug:action>/", views.SwapActionView.as_view(), name="shifts-swap-action"),
    path("handovers/", views.HandoverListView.as_view(), name="shifts-handovers"),
    path("handovers/write/", views.HandoverWriteView.as_view(), name="shifts-handover-write"),
    path("handovers/<int:pk>/", views.HandoverDetailView.as_view(), name="shifts-handover"),
]
