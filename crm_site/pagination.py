from rest_framework.pagination import PageNumberPagination

from crm_site.parsing import as_int


class CrmPagination(PageNumberPagination):
    """Page-number pagination whose ``page`` and ``page_size`` are checked like every other
    input: whole numbers, ``page`` from 1 and ``page_size`` from 1 to ``max_page_size``
    (anything else, a blank included, is a 400 naming the parameter, never a silent
    fall-back to the first page or the default size; a page past the last is a 404)."""

    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param)
        if value is None:
            return 1
        return as_int(value, field=self.page_query_param, minimum=1)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        return as_int(value, field=self.page_size_query_param, minimum=1, maximum=self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters
