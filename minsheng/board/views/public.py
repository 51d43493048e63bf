from django.shortcuts import get_object_or_404, render
from django.urls import path

from ..models import Message
from ..workflow import Status


def home(request):
    latest = Message.objects.filter(status__in=Status.answered()).select_related("region")[:10]
    return render(request, "board/home.html", {"latest": latest})


def message_detail(request, public_id):
    message = get_object_or_404(Message, public_id=public_id, status__in=Status.public())
    return render(request, "board/message.html", {"message": message})


urlpatterns = [
    path("", home, name="home"),
    path("m/<str:public_id>/", message_detail, name="message"),
]
