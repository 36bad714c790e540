"""French error pages in the application's layout, fragments for htmx."""
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Requête invalide", "La demande n'a pas pu être comprise. Rechargez la page et réessayez."),
    401: ("Connexion nécessaire", "Connectez-vous pour continuer."),
    403: ("Accès refusé", "Votre rôle ne permet pas d'ouvrir cette page."),
    404: ("Page introuvable", "Cette page n'existe pas ou n'est pas accessible avec votre compte."),
    405: ("Action impossible", "Cette action n'est pas possible ici."),
    409: ("Saisie en cours", "Cette saisie est en cours d'enregistrement : réessayez dans un instant."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée."),
    422: ("Données invalides", "Certaines informations sont à corriger."),
    429: ("Trop de demandes", "Patientez un instant avant de réessayer."),
    500: ("Erreur interne", "Un problème est survenu de notre côté. Vos données n'ont pas été modifiées."),
}


def error_page(code: int, detail: str | None = None):
    """The French error page (or fragment, for htmx) of `code`, with `detail` instead of the usual message."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = "shell/errors/_error.html" if getattr(request, "htmx", False) else "shell/errors/error.html"
    return render_template(template, code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    """Register the error handlers on `app`."""

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return error_page(400, "Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez.")

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code in (301, 302, 303, 307, 308):
            return error
        return error_page(error.code or 500)

    @app.errorhandler(500)
    def _unexpected(error):
        return error_page(500)
