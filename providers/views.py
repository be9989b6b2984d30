"""Views of the providers app: thin wrappers around forms, selectors and services."""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sportloket.downloads import private_download
from sportloket.formviews import ServiceFormView
from sportloket.models import Municipality
from sportloket.options import in_scope, reference_options
from sportloket.permissions import RoleRequiredMixin
from sportloket.ratelimit import ratelimit_post
from sportloket.selectors import audit_events_for, municipality_list
from sportloket.services import audit_record

from . import importing, services
from .constants import (
    AUDIT_ACTIONS,
    IMPORT_MAX_BYTES,
    PAGE_SIZES,
    SAFETY_BASICS,
    ImportJobStatus,
    ImportMode,
    ImportOutcome,
    ProviderStatus,
    StatusAction,
)
from .filters import ProviderFilter
from .forms import ImportUploadForm, ProviderForm, RegistrationForm
from .models import Provider
from .selectors import (
    EDITOR_ROLES,
    READER_ROLES,
    provider_export_rows,
    provider_get,
    provider_list,
    provider_registry,
    registry_municipalities,
    registry_page,
)

# --- Public: the interest form and its confirmation link -------------------------------------


@method_decorator(ratelimit_post("provider-register"), name="dispatch")
class RegisterView(ServiceFormView):
    """The public interest form. Its URL /aanmelden/ is printed on flyers: keep it stable."""

    template_name = "providers/register.html"
    form_class = RegistrationForm
    success_url = reverse_lazy("providers:register_done")

    def get_initial(self):
        """``?gemeente=GM0344`` fills the municipality in (links from a POS office's public
        page); an unknown code is ignored."""
        code = self.request.GET.get("gemeente", "")
        if not code:
            return {}
        municipality = Municipality.objects.filter(cbs_code=code, active=True).first()
        return {"municipality": municipality.pk} if municipality else {}

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_spam():
            return redirect(self.success_url)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def perform(self, form):
        # New or already known: the same answer, so the form reveals nothing (the service
        # e-mails a known provider at the address we have).
        services.provider_register(data=form.cleaned_data)


class ConfirmView(View):
    """The link in the confirmation e-mail. GET only shows a button, so that link scanners of
    mail providers that open every link cannot confirm on the person's behalf."""

    rate_limit = "public_form"

    template_name = "providers/confirm.html"

    def get(self, request, token: str):
        try:
            provider = services.provider_for_token(token=token)
        except services.ProviderError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        return render(request, self.template_name, {"provider": provider, "token": token})

    def post(self, request, token: str):
        try:
            provider = services.provider_confirm_email(token=token)
        except services.ProviderError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        return render(request, self.template_name, {"provider": provider, "confirmed": True})


# --- Staff: the registry ---------------------------------------------------------------------


class ProviderFilterMixin:
    def get_filterset(self) -> ProviderFilter:
        user = self.request.user
        return ProviderFilter(
            self.request.GET or None,
            queryset=provider_list(user=user),
            municipalities=municipality_list(user=user),
        )


class ProviderListView(RoleRequiredMixin, TemplateView):
    rate_limit = "search"
    allowed_roles = READER_ROLES
    template_name = "providers/provider_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        params = self.request.GET
        filterset = ProviderFilter(
            params or None,
            queryset=provider_registry(user=user),
            municipalities=registry_municipalities(user=user),
        )
        lists = reference_options("municipalities", "sports", "target_groups")
        options = {
            "municipality": in_scope(lists["municipalities"], self.scope.municipality_ids),
            "sport": lists["sports"],
            "target_group": lists["target_groups"],
        }
        fields, names = filter_fields(filterset, params, options)
        per_page = params.get("per_page", "")
        per_page = int(per_page) if per_page in {str(size) for size in PAGE_SIZES} else 25
        try:
            number = int(params.get("page", "1"))
        except ValueError:
            number = 1
        page = registry_page(
            filterset.qs,
            page=number,
            per_page=per_page,
            names=names,
            after=params.get("after", "")[:CURSOR_MAX_LENGTH],
            before=params.get("before", "")[:CURSOR_MAX_LENGTH],
        )
        query = params.copy()
        for key in ("page", "after", "before"):
            query.pop(key, None)
        context.update(
            filter=filterset,
            filter_fields=fields,
            page_obj=page,
            rows=page.rows,
            query=query.urlencode(),
            previous_query=page_query(query, page.number - 1, before=page.previous_cursor),
            next_query=page_query(query, page.number + 1, after=page.next_cursor),
            page_sizes=PAGE_SIZES,
            per_page=per_page,
            can_edit=self.scope.role in EDITOR_ROLES,
        )
        return context


# A cursor holds a sort key: a municipality's and a provider's name (200 characters each,
# escaped) and an id.
CURSOR_MAX_LENGTH = 1_000


def page_query(query, page: int, **cursor: str) -> str:
    """The query string of another page: the filters, the page number shown and the cursor it
    continues from (none back to the first page: its plain address)."""
    query = query.copy()
    if page > 1:
        query["page"] = str(page)
        query.update({key: value for key, value in cursor.items() if value})
    return query.urlencode()


def filter_fields(
    filterset: ProviderFilter, params, options: dict[str, list[tuple[int, str]]]
) -> tuple[list[dict], dict[str, dict]]:
    """The filter form's fields as ready-made option tags, plus {field: {value: label}};
    ``options``: the (pk, label) lists of the fields that choose a row (the cached reference
    data, ``sportloket.options``), the other fields' choices are their own.

    Rendering 342 municipalities through Django's widget templates costs more than the whole
    rest of the page; escaped option tags joined in Python cost well under a millisecond.
    """
    fields = []
    names: dict[str, dict[str, str]] = {}
    errors = filterset.form.errors if filterset.is_bound else {}
    for name, bound in filterset.form.fields.items():
        field = {
            "name": name,
            "label": bound.label,
            "value": params.get(name, ""),
            "errors": errors.get(name, []),
        }
        if name == "q":
            field["text"] = True
            fields.append(field)
            continue
        if name in options:
            pairs = [(str(pk), label) for pk, label in options[name]]
        else:
            pairs = [(str(v), str(label)) for v, label in bound.choices if v != ""]
        names[name] = dict(pairs)
        html = option_tags(tuple(pairs))
        selected = f'<option value="{escape(field["value"])}">'
        if field["value"] and selected in html:
            html = html.replace(selected, f"{selected[:-1]} selected>", 1)
        field["options"] = mark_safe(html)  # noqa: S308 - escaped by option_tags
        fields.append(field)
    return fields, names


@lru_cache(maxsize=64)
def option_tags(options: tuple[tuple[str, str], ...]) -> str:
    """``<option>`` tags of (value, label) pairs, escaped; the same lists (the municipalities
    of a scope, the sports) come back on every page, so they are made once per process.
    stdlib html.escape: the same escaping as Django's, without its lazy-string wrapper."""
    return "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in options
    )


class Echo:
    def write(self, value: str) -> str:
        return value


class ProviderExportView(RoleRequiredMixin, ProviderFilterMixin, View):
    """CSV of exactly the filtered list. Cells that look like a spreadsheet formula are
    neutralised by defusedcsv (CSV injection)."""

    rate_limit = "export"

    allowed_roles = READER_ROLES

    def get(self, request):
        from defusedcsv import csv

        filterset = self.get_filterset()
        writer = csv.writer(Echo(), delimiter=";")
        header = [
            _("name"),
            _("kind"),
            _("KvK number"),
            _("CBS code"),
            _("municipality"),
            _("street and number"),
            _("postcode"),
            _("place"),
            _("sports"),
            _("target groups"),
            _("contact person"),
            _("e-mail"),
            _("phone"),
            _("website"),
            _("participants (approx.)"),
            _("status"),
            *[str(label) for label in SAFETY_BASICS.values()],
            _("eligible for club support"),
        ]

        def rows():
            yield "\ufeff" + writer.writerow(header)
            for row in provider_export_rows(filterset.qs):
                yield writer.writerow(row)

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="sportaanbieders-{stamp}.csv"'
        return response


class ProviderDetailView(RoleRequiredMixin, TemplateView):
    allowed_roles = READER_ROLES
    template_name = "providers/provider_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        provider = provider_get(user=self.request.user, pk=self.kwargs["pk"])
        can_edit = self.scope.role in EDITOR_ROLES
        actions = []
        if can_edit:
            actions = [
                action
                for action, (sources, _target) in services.STATUS_TRANSITIONS.items()
                if provider.status in sources
            ]
        context.update(
            provider=provider,
            events=history(provider),
            can_edit=can_edit,
            actions=actions,
        )
        return context


def _old_and_new(values) -> tuple:
    """A change is recorded as ``[old, new]``; an event that only names what it concerns (the
    portal's ``{"portal_contact": 12}``) shows that value as the new one."""
    if isinstance(values, list | tuple) and len(values) == 2:
        return values[0], values[1]
    return "", values


def history(provider) -> list[dict]:
    """The audit trail with readable action names and field labels."""
    labels = {
        f.name: f.verbose_name for f in Provider._meta.get_fields() if hasattr(f, "verbose_name")
    }
    return [
        {
            "at": event.at,
            "actor": event.actor,
            "action": AUDIT_ACTIONS.get(event.action, event.action),
            "summary": event.summary,
            "changes": [
                (labels.get(name, name), *_old_and_new(values))
                for name, values in event.changes.items()
            ],
        }
        for event in audit_events_for(provider).order_by("-at", "-pk")[:200]
    ]


class ProviderFormView(RoleRequiredMixin, ServiceFormView):
    allowed_roles = EDITOR_ROLES
    template_name = "providers/provider_form.html"
    form_class = ProviderForm

    @cached_property
    def provider(self) -> Provider | None:
        pk = self.kwargs.get("pk")
        return provider_get(user=self.request.user, pk=pk) if pk else None

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.provider,
            "municipalities": municipality_list(user=self.request.user),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(provider=self.provider, **kwargs)

    def perform(self, form):
        by = self.request.user
        if self.provider is None:
            provider = services.provider_create(data=form.cleaned_data, actor=by)
            messages.success(self.request, _("The provider has been added."))
            return provider
        if services.provider_update(provider=self.provider, data=form.cleaned_data, actor=by):
            messages.success(self.request, _("The changes have been saved."))
        else:
            messages.info(self.request, _("Nothing was changed."))
        return self.provider


class ProviderStatusView(RoleRequiredMixin, View):
    allowed_roles = EDITOR_ROLES

    def post(self, request, pk):
        provider = provider_get(user=request.user, pk=pk)
        action = request.POST.get("action", "")
        if action not in StatusAction.values:
            messages.error(request, _("Unknown action."))
            return redirect(provider)
        try:
            services.provider_set_status(provider=provider, action=action, actor=request.user)
        except services.ProviderError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Status is now “%(status)s”.")
                % {"status": ProviderStatus(provider.status).label},
            )
        return redirect(provider)


class PersonalDataExportView(RoleRequiredMixin, View):
    """Everything personal held on the contact, as JSON (data-subject access request)."""

    rate_limit = "export"

    allowed_roles = EDITOR_ROLES

    def post(self, request, pk):
        provider = provider_get(user=request.user, pk=pk)
        data = services.provider_personal_data(provider=provider)
        audit_record(
            subject=provider,
            actor=request.user,
            action="export_personal_data",
            summary=_("Personal data exported on request."),
        )
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="persoonsgegevens-{pk}.json"'
        return response


class EraseView(RoleRequiredMixin, View):
    allowed_roles = EDITOR_ROLES
    template_name = "providers/erase_confirm.html"

    def get(self, request, pk):
        provider = provider_get(user=request.user, pk=pk)
        return render(request, self.template_name, {"provider": provider})

    def post(self, request, pk):
        provider = provider_get(user=request.user, pk=pk)
        services.provider_erase_personal_data(provider=provider, actor=request.user)
        messages.success(request, _("The contact's personal data has been erased."))
        return redirect(provider)


class ImportView(RoleRequiredMixin, ServiceFormView):
    """Upload a spreadsheet. The request only checks the file (size, type, limits, header) and
    stores it; the dry run ("Check") or the import runs as a background job whose progress
    page the user is sent to."""

    allowed_roles = EDITOR_ROLES
    template_name = "providers/import.html"
    form_class = ImportUploadForm
    error_fields = {services.ProviderError: "file"}

    def perform(self, form):
        upload = form.cleaned_data["file"]
        mode = ImportMode.APPLY if "apply" in self.request.POST else ImportMode.CHECK
        importing.check_upload(upload.read(IMPORT_MAX_BYTES + 1), upload.name)
        upload.seek(0)
        return importing.import_job_start(user=self.request.user, upload=upload, mode=mode)


class ImportJobView(RoleRequiredMixin, View):
    """An import job's progress and, when it has finished, its report. htmx polls the
    fragment every 2 s (HTTP 286 stops the polling once the job has finished); without
    JavaScript the page has a link to reload it."""

    allowed_roles = EDITOR_ROLES

    def get(self, request, pk):
        job = importing.import_job_get(user=request.user, pk=pk)
        context = {
            "job": job,
            "rows": importing.import_job_rows(job),
            "outcomes": ImportOutcome,
            "statuses": ImportJobStatus,
        }
        if request.headers.get("HX-Request"):
            response = render(request, "providers/_import_job.html", context)
            if job.finished:
                response.status_code = 286
            return response
        return render(request, "providers/import_job.html", context)


class ImportApplyView(RoleRequiredMixin, View):
    """The dry run's "Import" button: import the stored file of that dry run."""

    allowed_roles = EDITOR_ROLES

    def post(self, request, pk):
        job = importing.import_job_get(user=request.user, pk=pk)
        try:
            applied = importing.import_job_apply(job=job, user=request.user)
        except services.ProviderError as exc:
            messages.error(request, exc.message)
            return redirect(job)
        return redirect(applied)


class ImportReportView(RoleRequiredMixin, View):
    """The finished job's report as CSV; only for those who may see the job (else 404)."""

    rate_limit = "export"

    allowed_roles = EDITOR_ROLES

    def get(self, request, pk):
        job = importing.import_job_get(user=request.user, pk=pk)
        if not job.report:
            raise Http404
        stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
        return private_download(
            job.report.open("rb"),
            filename=f"importrapport-{stamp}.csv",
            content_type="text/csv; charset=utf-8",
        )


class RegisterDoneView(TemplateView):
    """The thank-you page: it names the status the desk's list shows for an unconfirmed
    registration and how long the link is valid, both read from what decides them."""

    template_name = "providers/register_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pending_label"] = ProviderStatus.PENDING.label
        context["valid_for"] = services.confirmation_valid_for()
        return context
