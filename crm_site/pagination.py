from rest_framework.pagination import PageNumberPagination

from crm_site.parsing import as_int


class CrmPagination(PageNumberPagination):
    """Page-number pagination whose ``page_size`` is checked like every other input: a
    whole number from 1 to ``max_page_size`` (anything else is a 400 naming ``page_size``,
    never a silent fall-back to the default)."""

    page_size_query_param = "page_size"
    max_page_size = 500

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
